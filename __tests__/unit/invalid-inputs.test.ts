// Bad input fails the step with one line naming the input and the fix, before any side effect:
// the exec seam (docker) and the HTTP seam (registry, GitHub API) must never be called.
import { prepareStep, versionProbe } from './step-env.js'
import { setCommandRunner } from '../../src/exec.js'
import { setHttp } from '../../src/http.js'
import { runStep as run } from '../../src/main.js'

let dockerCalls: string[]
let httpCalls: string[]
let savedEnv: NodeJS.ProcessEnv

beforeEach(() => {
  savedEnv = { ...process.env }
  dockerCalls = []
  httpCalls = []
  setCommandRunner(async (cmd, args) => {
    dockerCalls.push(`${cmd} ${args.join(' ')}`)
    const probe = versionProbe(args)
    if (probe) return probe
    return { code: 0, stdout: '', stderr: '' }
  })
  setHttp(async url => {
    httpCalls.push(url)
    return { status: 200, headers: {}, body: '{}' }
  })
  prepareStep(
    { username: 'octo', token: 'tok', 'github-token': 'gh-tok' },
    { GITHUB_API_URL: 'http://127.0.0.1:65531' }
  )
  delete process.env.SSH_AUTH_SOCK // no SSH agent in these jobs
})

afterEach(() => {
  process.env = savedEnv
  process.exitCode = undefined
})

async function runWith(inputs: Record<string, string>): Promise<string[]> {
  for (const [k, v] of Object.entries(inputs)) process.env[`INPUT_${k.toUpperCase()}`] = v
  const errors: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string) => {
    for (const line of String(chunk).split('\n'))
      if (line.startsWith('::error::')) errors.push(line.slice(9))
    return true
  }) as typeof process.stdout.write
  try {
    await run()
  } finally {
    process.stdout.write = write
  }
  return errors
}

const H = '0'.repeat(64)
// [inputs, the exact one-line error]
const CASES: Array<[Record<string, string>, string | RegExp]> = [
  [
    { images: 'ghcr.io/acme/app:v1' },
    'images: "ghcr.io/acme/app:v1" includes a tag or digest: give the name only and list tags under tags:'
  ],
  [
    { images: 'ghcr.io/acme/App Name' },
    /^images: "ghcr.io\/acme\/App Name" is not a valid image name: use lowercase letters/
  ],
  [
    { images: 'docker.io/acme/app' },
    'images: docker.io/acme/app is on docker.io, which the step has no credentials for: add docker.io to registry-auth (a "- registry: docker.io" entry with username and password), or set registry: docker.io with username and token'
  ],
  [{ images: 'name=,enable=true' }, /^images: .*empty/],
  [{ images: 'name=ghcr.io/a/b,enable=maybe' }, /^images: .*enable.*true or false/],
  [
    { registry: 'https://ghcr.io/owner' },
    'registry: "https://ghcr.io/owner" is not a registry host: use a host[:port] such as ghcr.io'
  ],
  [
    { tags: 'type=semvr,pattern={{version}}' },
    /^tags: unknown type "semvr" in "type=semvr,pattern=\{\{version\}\}": use one of/
  ],
  [{ tags: 'type=match,pattern=v(\\d+' }, /^tags: .*pattern.*v\(\\d\+/],
  [{ tags: 'type=raw,value=ok,enable=perhaps' }, /^tags: .*enable.*true or false/],
  [
    { tags: 'type=semver,pattern={{version}},value=not-a-version' },
    /^tags: .*not-a-version.*semver/i
  ],
  [{ flavor: 'latest=sometimes' }, /^flavor: .*latest.*auto, true or false/],
  // Trial of a real workflow (docs/trials.md): ref=ghcr.io/${{ github.repository }} keeps the case.
  [
    { 'cache-to': 'type=registry,ref=ghcr.io/0oMarko0/app:BuildCache,mode=max' },
    'cache-to: "type=registry,ref=ghcr.io/0oMarko0/app:BuildCache,mode=max": registries reject uppercase repository names: write ref=ghcr.io/0omarko0/app:BuildCache (${{ github.repository }} keeps the owner\'s case)'
  ],
  [
    { 'cache-from': 'type=registry,ref=ghcr.io/Acme/app' },
    /^cache-from: "type=registry,ref=ghcr.io\/Acme\/app": .* write ref=ghcr.io\/acme\/app /
  ],
  [
    { token: '' },
    'token: empty: leave the input unset to use github.token, or pass a secret, e.g. token: ${{ secrets.GHCR_TOKEN }}'
  ],
  [
    { username: '' },
    'username: empty: leave the input unset to use github.actor, or set it to the registry user'
  ],
  [
    { username: 'octo cat' },
    'username: must not contain whitespace: use the registry account name'
  ],
  [
    { context: '/nonexistent/ctx' },
    'context: "/nonexistent/ctx" does not exist: check out the repository first (actions/checkout) or fix the path'
  ],
  [
    { file: '/nonexistent/Dockerfile' },
    'file: "/nonexistent/Dockerfile" does not exist: set file to your Dockerfile\'s path'
  ],
  [{ push: 'yes' }, 'push: "yes" is not valid: use auto, true or false'],
  [{ 'dry-run': 'maybe' }, 'dry-run: "maybe" is not a boolean: use true or false'],
  [{ 'no-cache': '1' }, 'no-cache: "1" is not a boolean: use true or false'],
  [{ preflight: 'on' }, 'preflight: "on" is not a boolean: use true or false'],
  [{ verify: 'yes' }, 'verify: "yes" is not a boolean: use true or false'],
  [{ retries: '-1' }, 'retries: "-1" is not a whole number from 0 to 10: use e.g. 3'],
  [{ retries: 'three' }, 'retries: "three" is not a whole number from 0 to 10: use e.g. 3'],
  [{ retries: '99' }, 'retries: "99" is not a whole number from 0 to 10: use e.g. 3'],
  [
    { platforms: 'linux' },
    'platforms: "linux" is not a platform: use os/arch[/variant], e.g. linux/amd64,linux/arm64'
  ],
  [
    { platforms: 'linux/amd64,linux/amd64' },
    'platforms: "linux/amd64,linux/amd64" lists a platform twice: list each once'
  ],
  [
    { 'build-args': 'NO_EQUALS' },
    'build-args: "NO_EQUALS" is not NAME=value: write one NAME=value per line'
  ],
  [
    { 'build-args': '1BAD=x' },
    'build-args: "1BAD=x" is not NAME=value: write one NAME=value per line'
  ],
  [{ secrets: 'just-a-value' }, 'secrets: line 1 is not ID=value: write one ID=value per line'],
  [
    { secrets: 'bad id=s3cr3t' },
    'secrets: the id on line 1 may only use letters, digits, "_", "." and "-": rename it'
  ],
  [
    { 'secret-files': 'cert=/nonexistent/cert.pem' },
    'secret-files: "cert" points to /nonexistent/cert.pem, which does not exist: fix the path'
  ],
  [
    { 'secret-envs': 'TOKEN' },
    'secret-envs: "TOKEN" is not ID=ENV_NAME: write one ID=ENV_NAME per line'
  ],
  [
    { 'build-contexts': 'base' },
    'build-contexts: "base" is not ID=source: write one ID=source per line'
  ],
  [
    { labels: 'no-equals-sign' },
    'labels: "no-equals-sign" is not key=value: write one key=value per line'
  ],
  [
    { annotations: 'index:=x' },
    'annotations: "index:=x" is not key=value: write one key=value per line'
  ],
  [{ network: 'bridge0' }, 'network: "bridge0" is not valid: use default, none or host'],
  [
    { target: 'prod stage' },
    'target: "prod stage" is not a stage name: use the name after AS in the Dockerfile'
  ],
  [
    { provenance: 'maximal' },
    'provenance: "maximal" is not valid: use false, true, mode=min or mode=max'
  ],
  [{ sbom: 'yes' }, 'sbom: "yes" is not valid: use true or false'],
  [
    { 'merge-digests': 'sha256:abc' },
    'merge-digests: "sha256:abc" is not a digest: use sha256:<64 hex digits>, one per line'
  ],
  [
    { 'push-by-digest': 'true', 'merge-digests': `sha256:${H}` },
    'push-by-digest: cannot be combined with merge-digests: use one per job (build jobs, then a merge job)'
  ],
  [
    { 'push-by-digest': 'true', push: 'false' },
    'push-by-digest: needs a push, but push is false: remove push: false or push-by-digest'
  ],
  [
    { 'push-by-digest': 'true', platforms: 'linux/amd64,linux/arm64' },
    'push-by-digest: builds one platform per job: set platforms to a single platform'
  ],
  [
    { 'merge-digests': `sha256:${H}`, push: 'false' },
    'merge-digests: only works when pushing, but push: false: set push: true or drop the input'
  ],
  [
    { 'buildx-version': 'newest' },
    'buildx-version: "newest" is not a version: use an exact release like v0.37.2, latest, or leave it empty'
  ],
  // login-action's password (a token is set in every case here, so both are set)
  [
    { password: 'hub-pw' },
    "password: set together with token: keep one of them (password is docker/login-action's name for token)"
  ],
  // inputs of the docker actions that this step does not have
  [
    { 'sep-tags': ',' },
    "sep-tags: docker/metadata-action's input, not supported here: the tags output is always one per line here: drop sep-tags and join the lines where another separator is needed"
  ],
  [{ outputs: 'type=local,dest=out' }, /^outputs: docker\/build-push-action's input.*drop outputs/],
  [{ 'cache-binary': 'false', call: 'check' }, /^cache-binary: .*; call: .*own$/],
  [
    { context: 'git' },
    'context: "git" is docker/metadata-action\'s context; here context is the build context: drop it (the Git facts come from the workflow run)'
  ],
  // build-push-action's pass-through inputs
  [{ 'add-hosts': 'docker' }, 'add-hosts: "docker" is not host:ip: write e.g. docker:10.180.0.1'],
  [
    { allow: 'network.host,root' },
    'allow: "root" is not an entitlement: use network.host, security.insecure or device'
  ],
  [
    { attests: 'sbom' },
    'attests: "sbom" is not an attestation: write one type=sbom or type=provenance[,mode=max] per line'
  ],
  [
    { attests: 'mode=max' },
    'attests: "mode=max" names no type: start the line with type=sbom or type=provenance'
  ],
  [
    { attests: 'type=provenance,mode=max', provenance: 'mode=min' },
    'attests: type=provenance is set twice, here and in provenance: keep one of them'
  ],
  [
    { attests: 'type=sbom', sbom: 'true' },
    'attests: type=sbom is set twice, here and in sbom: keep one of them'
  ],
  [
    { 'cgroup-parent': 'a b' },
    'cgroup-parent: "a b" is not a cgroup path: write one path, e.g. /actions'
  ],
  [
    { 'no-cache-filters': 'base,with space' },
    'no-cache-filters: "with space" is not a stage name: use names after AS in the Dockerfile'
  ],
  [{ 'shm-size': 'big' }, 'shm-size: "big" is not a size: use a number with a unit, e.g. 2g'],
  [{ ulimit: 'nofile' }, 'ulimit: "nofile" is not name=soft[:hard]: write e.g. nofile=1024:1024'],
  [
    { ssh: 'default key' },
    /^ssh: "default key" is not ID\[=socket\|key\[,key\]\]: write e.g. default/
  ],
  [
    { ssh: 'default' },
    'ssh: "default" uses the SSH agent, but SSH_AUTH_SOCK is not set: start an agent in an earlier step (ssh-agent) or name a key file: default=path/to/key'
  ],
  [
    { ssh: 'github=/nonexistent/id_ed25519' },
    'ssh: "github" points to /nonexistent/id_ed25519, which does not exist: fix the path'
  ],
  [{ load: 'yes' }, 'load: "yes" is not a boolean: use true or false'],
  [
    { load: 'true', 'merge-digests': `sha256:${H}` },
    'load: a merge job builds nothing: drop load, and pull the image where it is needed'
  ],
  [
    { load: 'true', 'push-by-digest': 'true' },
    'load: a push-by-digest job pushes by digest only: drop load, and pull the image where it is needed'
  ],
  // builder, emulators, registry-auth (builder-inputs.ts, registry-logins.ts)
  [{ driver: 'podman' }, 'driver: "podman" is not valid: use auto, docker or docker-container'],
  [
    { driver: 'kubernetes' },
    'driver: kubernetes builders are not created by this step: create it before the step (docker buildx create) and pass its name as builder'
  ],
  [
    { builder: 'ci', driver: 'docker-container' },
    'driver: docker-container chooses the builder, but builder: ci names one: set only one of them'
  ],
  [
    { builder: 'ci', 'driver-opts': 'image=mirror.example/buildkit:1' },
    'driver-opts: only sets up a builder this step creates, but builder: ci is given: remove it, or remove builder'
  ],
  [
    { driver: 'docker', 'buildkitd-flags': '--debug' },
    'buildkitd-flags: only sets up a builder this step creates, but driver is docker: remove it, or set driver: docker-container'
  ],
  [
    { 'driver-opts': 'image' },
    'driver-opts: "image" is not key=value: write one option per line, e.g. image=moby/buildkit:latest'
  ],
  [{ qemu: 'yes' }, 'qemu: "yes" is not valid: use auto, true or false'],
  [
    { 'qemu-image': '--privileged' },
    'qemu-image: "--privileged" is not an image reference: use e.g. docker.io/tonistiigi/binfmt:latest'
  ],
  [
    { platforms: 'linux/amd64,linux/sparc64' },
    /^platforms: linux\/sparc64 has no QEMU emulator this step knows: use one of .*arm64.*, or set qemu: false and register its emulator yourself$/
  ],
  [
    { 'registry-auth': 'registry: docker.io\nusername: u\npassword: s3cr3t-value' },
    /^registry-auth: line 1 is not a key of a list entry: write a YAML list as docker\/login-action takes it/
  ],
  [
    { 'registry-auth': '- registry: docker.io\n  username: u\n  password: s3cr3t: value' },
    'registry-auth: line 3 (password): YAML does not read this value as plain text: put it in single quotes'
  ],
  [
    { 'registry-auth': '- registry: quay.io\n  username: u' },
    'registry-auth: the entry at line 1 (quay.io) has no password: give registry, username and password'
  ],
  [
    {
      'registry-auth':
        '- registry: docker.io\n  username: u\n  password: p1\n- registry: index.docker.io\n  username: v\n  password: p2'
    },
    'registry-auth: docker.io is listed twice: keep one entry per registry'
  ],
  [
    {
      'registry-auth':
        '- registry: 123.dkr.ecr.us-east-1.amazonaws.com\n  ecr: true\n  username: u\n  password: p'
    },
    'registry-auth: the entry at line 1 sets ecr, which this step does not support: log in to ECR with aws-actions/amazon-ecr-login and pass its username and password here'
  ],
  [
    { registry: 'docker.io', images: 'docker.io/acme/app\nghcr.io/acme/app', 'github-token': '' },
    /^github-token: ghcr.io images log in as github.actor with github-token, and (github-token|GITHUB_ACTOR) is empty: leave github-token unset, or add ghcr.io to registry-auth$/
  ],
  [
    { 'buildx-sha256': 'abc' },
    'buildx-sha256: not a sha256 checksum: use the 64 hex digits of the asset from the release checksums.txt'
  ]
]

test.each(CASES)('%j', async (inputs, message) => {
  const errors = await runWith(inputs)
  expect(process.exitCode).toBe(1)
  expect(errors).toHaveLength(1)
  expect(errors[0]).not.toContain('%0A') // one line
  if (typeof message === 'string') expect(errors[0]).toBe(message)
  else expect(errors[0]).toMatch(message)
  expect(dockerCalls).toEqual([])
  expect(httpCalls).toEqual([])
})

test('the same setup with valid inputs does reach docker (the seams are live)', async () => {
  const errors = await runWith({ push: 'false' }) // a build without a push needs no metadata
  expect(dockerCalls).toContainEqual('docker login --username octo --password-stdin -- ghcr.io')
  expect(dockerCalls).toContainEqual(expect.stringMatching(/^docker buildx build /))
  expect(errors).toEqual([])
})
