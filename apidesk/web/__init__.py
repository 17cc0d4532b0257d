"""What the two web front doors (developer portal, admin console) share: security headers,
CSRF tokens and the Origin check, static assets with digest paths, and the base layout."""
