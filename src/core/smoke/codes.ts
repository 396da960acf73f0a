/** The deployment procedure's smoke-test failure codes, each with what to do about it. */
export const SMOKE_MITIGATIONS = {
  HEALTH_CHECK_FAIL:
    'The skill is not healthy: read its run logs (odoobo logs <skill> --type run), check the run command, port and health path, then ' +
    'redeploy.',
  PERFORMANCE_DEGRADATION:
    'The health endpoint answered too slowly: check the instance size and what the health handler does (it should answer without calling ' +
    'anything), then redeploy.',
  METADATA_INVALID:
    'Make the metadata endpoint answer {name, description, version, invoke_path, health_path, docs_path, inputs} matching manifest.json ' +
    '(same name and version), then redeploy.',
  ENDPOINT_404: 'Unknown paths must answer 404: remove catch-all routes (or let them answer 404), then redeploy.',
  METHOD_405: 'The invoke endpoint must answer 405 to a wrong method: declare it with its method only (e.g. @app.post), then redeploy.',
  DOCS_MISSING:
    'Serve the API documentation as HTML at the manifest\'s docsPath (FastAPI serves /docs unless docs_url=None), then redeploy.',
} as const;

export type SmokeCode = keyof typeof SMOKE_MITIGATIONS;
