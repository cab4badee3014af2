"""Use cases for organizations, users and memberships (run by the CLI and the internal app)."""

from __future__ import annotations

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import Conflict, NotFound
from server_impl.domain.identity import Membership, Organization, User
from server_impl.domain.ids import new_id
from server_impl.domain.scopes import Role
from server_impl.services.ports import UnitOfWorkFactory


def create_organization(uow_factory: UnitOfWorkFactory, name: str) -> Organization:
    """Create an organization.

    Args:
        uow_factory: Opens units of work.
        name: Display name.

    Returns:
        The new organization.
    """
    organization = Organization(id=new_id("org"), name=name, created_at=utc_now())
    with uow_factory(None) as uow:
        uow.organizations.add(organization)
        uow.commit()
    return organization


def create_user(uow_factory: UnitOfWorkFactory, email: str, name: str) -> User:
    """Create a user (emails are unique, compared case-insensitively).

    Args:
        uow_factory: Opens units of work.
        email: Sign-in email.
        name: Display name.

    Returns:
        The new user.
    """
    user = User(id=new_id("usr"), email=email.strip().lower(), name=name, created_at=utc_now())
    with uow_factory(None) as uow:
        uow.users.add(user)
        uow.commit()
    return user


def add_member(uow_factory: UnitOfWorkFactory, organization_id: str, user_id: str, role: Role) -> Membership:
    """Give a user a role in an organization.

    Args:
        uow_factory: Opens units of work.
        organization_id: The organization.
        user_id: The user.
        role: The role to grant.

    Returns:
        The membership.

    Raises:
        NotFound: If the organization or the user does not exist.
        Conflict: If the user is already a member.
    """
    membership = Membership(organization_id, user_id, role, utc_now())
    with uow_factory(None) as uow:
        if uow.organizations.get(organization_id) is None:
            raise NotFound("organization", organization_id)
        if uow.users.get(user_id) is None:
            raise NotFound("user", user_id)
        if uow.memberships.get(organization_id, user_id) is not None:
            raise Conflict(f"User {user_id} is already a member of {organization_id}.")
        uow.memberships.add(membership)
        uow.commit()
    return membership
