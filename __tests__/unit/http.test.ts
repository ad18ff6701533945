import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { NetworkError } from '../../src/errors.js'
import { isLoopbackRegistry, registryBaseUrl, request, setHttp, type Http } from '../../src/http.js'

let server: Server
let base = ''

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', c => (body += c))
    req.on('end', () => {
      if (req.url === '/reset') return void req.socket.destroy()
      if (req.url === '/hang') return // never answers
      res.setHeader('X-Echo-Method', req.method ?? '')
      res.setHeader('Docker-Content-Digest', 'sha256:abc')
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'text/plain' })
      res.end(`${req.headers.authorization ?? '-'} ${body}`)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

describe('request (the real client against a local server)', () => {
  test('returns status, lowercased headers and the body text', async () => {
    const res = await request(`${base}/x`, {
      method: 'POST',
      headers: { Authorization: 'Basic dTpw' },
      body: 'hello'
    })
    expect(res.status).toBe(200)
    expect(res.headers['x-echo-method']).toBe('POST')
    expect(res.headers['docker-content-digest']).toBe('sha256:abc')
    expect(res.body).toBe('Basic dTpw hello')
  })

  test('an HTTP error status is an answer, not an exception', async () => {
    const res = await request(`${base}/missing`)
    expect(res.status).toBe(404)
  })

  test('a refused connection throws NetworkError ECONNREFUSED', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    const err = await request(`http://127.0.0.1:${port}/v2/`).catch(e => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe('ECONNREFUSED')
    expect(err.message).toContain(`GET http://127.0.0.1:${port}/v2/`)
  })

  test('a connection closed mid-request throws NetworkError with the socket code', async () => {
    const err = await request(`${base}/reset`).catch(e => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect(['UND_ERR_SOCKET', 'ECONNRESET']).toContain(err.code)
  })

  test('no answer within timeoutMs throws NetworkError ETIMEDOUT', async () => {
    const err = await request(`${base}/hang`, { timeoutMs: 150 }).catch(e => e)
    expect(err).toBeInstanceOf(NetworkError)
    expect(err.code).toBe('ETIMEDOUT')
  })
})

describe('setHttp', () => {
  test('swaps the implementation and gives the previous one back', async () => {
    const seen: string[] = []
    const fake: Http = async (url, req) => {
      seen.push(`${req.method} ${url}`)
      return { status: 418, headers: {}, body: 'teapot' }
    }
    const prev = setHttp(fake)
    try {
      expect((await request('https://example.invalid/', { method: 'HEAD' })).status).toBe(418)
    } finally {
      expect(setHttp(prev)).toBe(fake)
    }
    expect(seen).toEqual(['HEAD https://example.invalid/'])
  })
})

describe('registryBaseUrl', () => {
  test.each([
    ['ghcr.io', 'https://ghcr.io'],
    ['registry.example.com:5000', 'https://registry.example.com:5000'],
    ['127.0.0.1:5000', 'http://127.0.0.1:5000'],
    ['127.1.2.3', 'http://127.1.2.3'],
    ['localhost:5000', 'http://localhost:5000'],
    ['localhost', 'http://localhost'],
    ['128.0.0.1:5000', 'https://128.0.0.1:5000'],
    ['localhost.example.com', 'https://localhost.example.com']
  ])('%s → %s', (host, url) => {
    expect(registryBaseUrl(host)).toBe(url)
  })

  test('only 127.0.0.0/8 and localhost are loopback', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true)
    expect(isLoopbackRegistry('10.0.0.1:5000')).toBe(false)
  })
})

describe('request: redirects and repeated headers (real servers)', () => {
  test('follows a redirect; the Authorization header never goes to another origin', async () => {
    const seen: Array<string | undefined> = []
    const other = createServer((req, res) => {
      seen.push(req.headers.authorization)
      res.end(`landed ${req.method} ${req.url}`)
    })
    await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
    const otherBase = `http://127.0.0.1:${(other.address() as AddressInfo).port}`
    const hop = createServer((req, res) => {
      seen.push(req.headers.authorization)
      const to = req.url === '/same' ? '/final' : `${otherBase}/blob`
      if (req.url === '/final') return void res.end('same origin')
      res.writeHead(307, { Location: to }).end()
    })
    await new Promise<void>(resolve => hop.listen(0, '127.0.0.1', resolve))
    const hopBase = `http://127.0.0.1:${(hop.address() as AddressInfo).port}`
    try {
      const auth = { headers: { Authorization: 'Bearer t0ken' } }
      expect((await request(`${hopBase}/away`, auth)).body).toBe('landed GET /blob')
      expect(seen).toEqual(['Bearer t0ken', undefined])
      seen.length = 0
      expect((await request(`${hopBase}/same`, auth)).body).toBe('same origin')
      expect(seen).toEqual(['Bearer t0ken', 'Bearer t0ken'])
    } finally {
      for (const s of [other, hop]) {
        s.closeAllConnections()
        await new Promise(resolve => s.close(resolve))
      }
    }
  })

  test('a header sent twice arrives joined with ", " (two auth challenges)', async () => {
    const twice = createServer((_req, res) => {
      res.setHeader('WWW-Authenticate', ['Basic realm="a"', 'Bearer realm="b"'])
      res.writeHead(401).end()
    })
    await new Promise<void>(resolve => twice.listen(0, '127.0.0.1', resolve))
    try {
      const res = await request(`http://127.0.0.1:${(twice.address() as AddressInfo).port}/v2/`)
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe('Basic realm="a", Bearer realm="b"')
    } finally {
      twice.closeAllConnections()
      await new Promise(resolve => twice.close(resolve))
    }
  })
})
