import {
  dockerConfigKey,
  normalizeImage,
  normalizeImages,
  normalizeRegistry,
  registryApiHost,
  type Notice
} from '../../src/image-names.js'
import { registryBaseUrl } from '../../src/http.js'

describe('normalizeRegistry', () => {
  test.each([
    ['ghcr.io', 'ghcr.io'],
    ['https://ghcr.io/', 'ghcr.io'],
    ['https://GHCR.io//', 'ghcr.io'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['docker.pkg.github.com', 'ghcr.io'],
    // Docker Hub, whichever of its hosts is written
    ['docker.io', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['registry.hub.docker.com', 'docker.io']
  ])('%s → %s', (input, expected) => {
    expect(normalizeRegistry(input, [])).toBe(expected)
  })

  test('the legacy registry is rewritten with a warning', () => {
    const notices: Notice[] = []
    normalizeRegistry('https://docker.pkg.github.com/', notices)
    expect(notices).toEqual([
      {
        level: 'warning',
        message: expect.stringContaining('docker.pkg.github.com was replaced by ghcr.io')
      }
    ])
  })

  test.each(['', 'ghcr.io/owner', 'user@ghcr.io', 'ghcr .io'])('rejects %j', input => {
    expect(() => normalizeRegistry(input, [])).toThrow(
      /^registry: .* use a host\[:port\] such as ghcr.io$/
    )
  })
})

describe('normalizeImage', () => {
  test.each([
    ['ghcr.io/acme/app', 'ghcr.io', 'ghcr.io/acme/app'],
    ['acme/app', 'ghcr.io', 'ghcr.io/acme/app'],
    ['ghcr.io/Acme-Org/Hello-App', 'ghcr.io', 'ghcr.io/acme-org/hello-app'],
    ['docker.pkg.github.com/acme/repo/img', 'ghcr.io', 'ghcr.io/acme/img'],
    ['localhost:5000/a/b', 'localhost:5000', 'localhost:5000/a/b'],
    ['127.0.0.1:5000/a/b.c_d--e', '127.0.0.1:5000', '127.0.0.1:5000/a/b.c_d--e'],
    // images on other hosts than `registry` (each is logged in to)
    ['docker.io/acme/app', 'ghcr.io', 'docker.io/acme/app'],
    ['quay.io/acme/app', 'ghcr.io', 'quay.io/acme/app'],
    ['index.docker.io/Acme/App', 'ghcr.io', 'docker.io/acme/app'],
    ['docker.io/nginx', 'ghcr.io', 'docker.io/library/nginx'],
    ['acme/app', 'docker.io', 'docker.io/acme/app'],
    ['app', 'docker.io', 'docker.io/library/app']
  ])('%s (registry %s) → %s', (entry, registry, expected) => {
    expect(normalizeImage(entry, registry, [])).toBe(expected)
  })

  test('lowercasing is announced', () => {
    const notices: Notice[] = []
    normalizeImage('ghcr.io/Acme/App', 'ghcr.io', notices)
    expect(notices).toEqual([
      {
        level: 'notice',
        message:
          'images: ghcr.io/Acme/App lowercased to ghcr.io/acme/app (registries reject uppercase repository names)'
      }
    ])
  })

  test('the legacy path is rewritten with a warning', () => {
    const notices: Notice[] = []
    expect(normalizeImage('docker.pkg.github.com/Acme/Repo/Img', 'ghcr.io', notices)).toBe(
      'ghcr.io/acme/img'
    )
    expect(notices[0]).toEqual({
      level: 'warning',
      message: expect.stringContaining('legacy GitHub registry; using ghcr.io/acme/img')
    })
  })

  test.each([
    ['ghcr.io/acme/app:v1', /includes a tag or digest/],
    ['ghcr.io/acme/app@sha256:abc', /includes a tag or digest/],
    ['app:latest', /includes a tag or digest/],
    ['ghcr.io/acme/-app', /is not a valid image name/],
    ['ghcr.io/acme//app', /is not a valid image name/],
    ['ghcr.io/acme/app$(id)', /is not a valid image name/],
    ['  ', /an image name is empty/]
  ])('rejects %j', (entry, message) => {
    expect(() => normalizeImage(entry, 'ghcr.io', [])).toThrow(message)
  })
})

// Trial of a real workflow (docs/trials.md): metadata-action's `owner/app` is Docker Hub's, so
// `images: owner/app` + `ghcr.io/owner/app` meant two registries; here both were one image.
describe('normalizeImages', () => {
  test.each([
    // [entries, registry, registry input set, images]
    [
      ['ghcr.io/acme/app', 'docker.io/acme/app'],
      'ghcr.io',
      false,
      ['ghcr.io/acme/app', 'docker.io/acme/app']
    ],
    [['ghcr.io/acme/app', 'ghcr.io/acme/app'], 'ghcr.io', false, ['ghcr.io/acme/app']],
    [['ghcr.io/acme/app', 'ghcr.io/Acme/App'], 'ghcr.io', false, ['ghcr.io/acme/app']],
    [
      ['team/app', 'quay.io/team/app'],
      'registry.example.com',
      true,
      ['registry.example.com/team/app', 'quay.io/team/app']
    ]
  ])('%j (registry %s) → %j', (entries, registry, registrySet, expected) => {
    expect(normalizeImages(entries, registry, registrySet, [])).toEqual(expected)
  })

  test.each([
    [
      ['tomy/tubee', 'ghcr.io/tomy/tubee'],
      'ghcr.io',
      'images: "tomy/tubee" and "ghcr.io/tomy/tubee" are the same image, ghcr.io/tomy/tubee (a name without a host gets the registry\'s, ghcr.io): drop one, or write docker.io/tomy/tubee for Docker Hub'
    ],
    [
      ['ghcr.io/acme/app', 'acme/app'],
      'ghcr.io',
      'images: "ghcr.io/acme/app" and "acme/app" are the same image, ghcr.io/acme/app (a name without a host gets the registry\'s, ghcr.io): drop one, or write docker.io/acme/app for Docker Hub'
    ]
  ])('refuses %j: two entries, one image', (entries, registry, message) => {
    expect(() => normalizeImages(entries, registry, false, [])).toThrow(message)
  })

  test('a name without a host, with no registry input, says where it goes', () => {
    const notices: Notice[] = []
    expect(normalizeImages(['acme/app'], 'ghcr.io', false, notices)).toEqual(['ghcr.io/acme/app'])
    expect(notices).toEqual([
      {
        level: 'notice',
        message:
          'images: "acme/app" has no host, so it is ghcr.io/acme/app (docker/metadata-action would read it as Docker Hub\'s: write docker.io/acme/app for that)'
      }
    ])
  })

  test('no notice when the registry input names the host', () => {
    const notices: Notice[] = []
    normalizeImages(['team/app'], 'registry.example.com', true, notices)
    expect(notices).toEqual([])
  })
})

describe('Docker Hub: one name, three hosts', () => {
  test.each([
    // registry, the registry API's base URL, the docker config key of its login
    ['docker.io', 'https://registry-1.docker.io', 'https://index.docker.io/v1/'],
    ['ghcr.io', 'https://ghcr.io', 'ghcr.io'],
    ['quay.io', 'https://quay.io', 'quay.io'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000', '127.0.0.1:5000']
  ])('%s: API at %s, login stored under %s', (registry, api, key) => {
    expect(registryBaseUrl(registry)).toBe(api)
    expect(dockerConfigKey(registry)).toBe(key)
    expect(registryApiHost(registry)).toBe(new URL(api).host)
  })
})
