"""Persistent features, each in the same shape: models, schemas, service, api, pages, templates."""
