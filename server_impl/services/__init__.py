"""Use cases of the server, written against the ports in :mod:`server_impl.services.ports`."""
