import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { DEFAULT_HEALTH_CHECK } from '../appspec/fixes';
import { SkillManifestSchema, type SkillManifest } from './manifest';
import { assertSkillName } from './names';

export interface ScaffoldOptions {
  readonly name: string;
  readonly description: string;
  readonly skillsLocation?: string;
  readonly region?: string;
  /** `owner/repo` of the GitHub repository App Platform builds from. */
  readonly githubRepo?: string;
}

export class SkillExistsError extends Error {
  constructor(readonly dir: string) {
    super(`A skill folder already exists at ${dir}; nothing was written.`);
    this.name = 'SkillExistsError';
  }
}

export function scaffoldManifest(name: string, description: string): SkillManifest {
  return SkillManifestSchema.parse({
    name,
    description,
    version: '0.1.0',
    runtime: 'python',
    run: 'uvicorn main:app --host ${HOST:-0.0.0.0} --port ${PORT:-8080}',
    test: 'python3 -m pytest -q',
    port: 8080,
    healthPath: '/health',
    invokePath: '/invoke',
    metadataPath: '/metadata',
    docsPath: '/docs',
    appSpec: `infra/${name}.yaml`,
  });
}

/** The App Platform app spec of a new skill, in DigitalOcean's format. */
export function scaffoldAppSpec(name: string, options: { region?: string; githubRepo?: string } = {}): string {
  const spec = {
    name,
    region: options.region ?? 'fra',
    services: [
      {
        name,
        github: { repo: options.githubRepo ?? 'odoobo/odoobo-skills', branch: `skill/${name}`, deploy_on_push: false },
        source_dir: `skills/${name}`,
        environment_slug: 'python',
        run_command: 'uvicorn main:app --host 0.0.0.0 --port $PORT',
        http_port: 8080,
        instance_count: 1,
        instance_size_slug: 'apps-s-1vcpu-0.5gb',
        health_check: { ...DEFAULT_HEALTH_CHECK },
      },
    ],
    ingress: { rules: [{ component: { name }, match: { path: { prefix: '/' } } }] },
  };
  return stringify(spec, { lineWidth: 0 });
}

function mainPy(name: string, description: string, version: string): string {
  return `"""${name}: ${description}"""
import os

from fastapi import FastAPI
from pydantic import BaseModel, Field

NAME = ${JSON.stringify(name)}
VERSION = ${JSON.stringify(version)}
DESCRIPTION = ${JSON.stringify(description)}

app = FastAPI(title=NAME, version=VERSION, description=DESCRIPTION)


class InvokeRequest(BaseModel):
    input: str = Field(..., description="What the skill works on")


class InvokeResponse(BaseModel):
    output: str


def _schema(model):
    return model.model_json_schema() if hasattr(model, "model_json_schema") else model.schema()


@app.get("/health")
def health():
    return {"status": "ok", "skill": NAME, "version": VERSION}


@app.get("/metadata")
def metadata():
    return {
        "name": NAME,
        "description": DESCRIPTION,
        "version": VERSION,
        "invoke_path": "/invoke",
        "health_path": "/health",
        "docs_path": "/docs",
        "inputs": _schema(InvokeRequest),
    }


@app.post("/invoke", response_model=InvokeResponse)
def invoke(request: InvokeRequest):
    return InvokeResponse(output=request.input)


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=int(os.environ.get("PORT", "8080")))
`;
}

/**
 * Writes a new skill: `skills/<name>/{manifest.json,main.py,requirements.txt,README.md}` and `infra/<name>.yaml`.
 * Refuses (writing nothing) when the skill folder or the app spec already exists.
 */
export async function scaffoldSkill(
  root: string,
  options: ScaffoldOptions,
): Promise<{ dir: string; manifestPath: string; appSpecPath: string }> {
  const name = assertSkillName(options.name);
  const manifest = scaffoldManifest(name, options.description.trim() || `The ${name} skill`);
  const dir = path.join(root, options.skillsLocation ?? 'skills', name);
  const appSpecPath = path.join(root, manifest.appSpec);
  for (const p of [dir, appSpecPath]) {
    if (
      await fs.stat(p).then(
        () => true,
        () => false,
      )
    )
      throw new SkillExistsError(p);
  }
  const { env: _env, tags: _tags, ...written } = manifest;
  await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(path.dirname(appSpecPath), { recursive: true });
  const manifestPath = path.join(dir, 'manifest.json');
  await Promise.all([
    fs.writeFile(manifestPath, JSON.stringify(written, null, 2) + '\n', { flag: 'wx' }),
    fs.writeFile(path.join(dir, 'main.py'), mainPy(name, manifest.description, manifest.version), { flag: 'wx' }),
    fs.writeFile(path.join(dir, 'requirements.txt'), 'fastapi\nuvicorn[standard]\npydantic\n', { flag: 'wx' }),
    fs.writeFile(
      path.join(dir, 'README.md'),
      `# ${name}\n\n${manifest.description}\n\nRun locally: \`uvicorn main:app --port 8080\`, then open http://127.0.0.1:8080/docs.\n`,
      { flag: 'wx' },
    ),
    fs.writeFile(appSpecPath, scaffoldAppSpec(name, options), { flag: 'wx' }),
  ]);
  return { dir, manifestPath, appSpecPath };
}
