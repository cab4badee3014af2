"""Tables (SQLAlchemy 2.0 typed declarative), one module per area. Rows never leave the adapters.

Importing this package registers every table on ``Base.metadata`` (migrations and tests compare it
with the migrated database), so each area's module is imported here: add yours below.
"""

from server_impl.adapters.sqlalchemy.tables.base import ID, NAMING_CONVENTION, Base, TenantScoped
from server_impl.adapters.sqlalchemy.tables.estimates import EstimateCounterRow, EstimateRow
from server_impl.adapters.sqlalchemy.tables.events import EventRow
from server_impl.adapters.sqlalchemy.tables.files import FileRow as FileRow
from server_impl.adapters.sqlalchemy.tables.identity import ApiKeyRow, MembershipRow, OrganizationRow, UserRow
from server_impl.adapters.sqlalchemy.tables.invoices import InvoiceCounterRow as InvoiceCounterRow
from server_impl.adapters.sqlalchemy.tables.invoices import InvoiceRow as InvoiceRow
from server_impl.adapters.sqlalchemy.tables.jobs import JobCounterRow as JobCounterRow
from server_impl.adapters.sqlalchemy.tables.jobs import JobRow as JobRow
from server_impl.adapters.sqlalchemy.tables.payments import PaymentRow as PaymentRow
from server_impl.adapters.sqlalchemy.tables.platform import AuditEventRow, IdempotencyKeyRow
from server_impl.adapters.sqlalchemy.tables.resources import CatalogItemRow, CustomerRow
from server_impl.adapters.sqlalchemy.tables.webhooks import WebhookAttemptRow as WebhookAttemptRow
from server_impl.adapters.sqlalchemy.tables.webhooks import WebhookDeliveryRow as WebhookDeliveryRow
from server_impl.adapters.sqlalchemy.tables.webhooks import WebhookEndpointRow as WebhookEndpointRow

__all__ = [
    "ID",
    "NAMING_CONVENTION",
    "ApiKeyRow",
    "AuditEventRow",
    "Base",
    "CatalogItemRow",
    "CustomerRow",
    "EstimateCounterRow",
    "EstimateRow",
    "EventRow",
    "IdempotencyKeyRow",
    "MembershipRow",
    "OrganizationRow",
    "TenantScoped",
    "UserRow",
]
