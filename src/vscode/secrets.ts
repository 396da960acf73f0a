// Keys of the extension's secret storage; its own module so the deploy service does not import the command handlers.
export const TOKEN_SECRET_KEY = 'odoobo.digitalocean.token';
