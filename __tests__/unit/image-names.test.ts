import { normalizeImage, normalizeRegistry, type Notice } from '../../src/image-names.js'

describe('normalizeRegistry', () => {
  test.each([
    ['ghcr.io', 'ghcr.io'],
    ['https://ghcr.io/', 'ghcr.io'],
    ['https://GHCR.io//', 'ghcr.io'],
    ['http://127.0.0.1:5000', '127.0.0.1:5000'],
    ['docker.pkg.github.com', 'ghcr.io']
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
    ['127.0.0.1:5000/a/b.c_d--e', '127.0.0.1:5000', '127.0.0.1:5000/a/b.c_d--e']
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
    [
      'docker.io/acme/app',
      /is on docker.io but the step logs in to ghcr.io: set registry: docker.io/
    ],
    ['ghcr.io/acme/-app', /is not a valid image name/],
    ['ghcr.io/acme//app', /is not a valid image name/],
    ['ghcr.io/acme/app$(id)', /is not a valid image name/],
    ['  ', /an image name is empty/]
  ])('rejects %j', (entry, message) => {
    expect(() => normalizeImage(entry, 'ghcr.io', [])).toThrow(message)
  })
})
