"""What every domain stands on: settings, database, tenancy, auth, audit, errors, web, i18n."""
