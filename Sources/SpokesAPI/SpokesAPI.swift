// The API types and server stubs are generated from openapi.yaml (a link to Contracts/openapi.yaml) at build time.
