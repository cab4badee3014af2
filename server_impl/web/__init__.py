"""The HTTP edge: middleware, the authorizer, problem+json rendering and the contract route."""
