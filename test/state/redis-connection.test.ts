import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisConnectionString, redisConnectionStringProblem } from '../../src/state/redis-connection.ts';
import { loadSettings } from '../../src/settings/load.ts';
import { ApimgwError } from '../../src/errors.ts';

it('reads the StackExchange form the Azure portal gives', () => {
  assert.deepEqual(parseRedisConnectionString('contoso.redis.cache.windows.net:6380,password=s3cr3t=K3y+/,ssl=True,abortConnect=False'), {
    host: 'contoso.redis.cache.windows.net', port: 6380, password: 's3cr3t=K3y+/', db: 0, tls: true,
  });
});

it('reads every supported StackExchange option, names case-insensitive', () => {
  assert.deepEqual(parseRedisConnectionString(' [::1]:7000 , User=gw ,Password=p, SSL=true,sslHost=cache.example,defaultDatabase=3,connectTimeout=800,syncTimeout=250,name=apimgw-1 '), {
    host: '::1', port: 7000, username: 'gw', password: 'p', db: 3, tls: true, tlsServername: 'cache.example',
    connectTimeoutMs: 800, commandTimeoutMs: 250, clientName: 'apimgw-1',
  });
  assert.equal(parseRedisConnectionString('redis.local,asyncTimeout=90').commandTimeoutMs, 90);
});

it('defaults the port to 6379, or 6380 with ssl as StackExchange does', () => {
  assert.equal(parseRedisConnectionString('redis.local').port, 6379);
  assert.equal(parseRedisConnectionString('redis.local,ssl=True').port, 6380);
});

it('reads redis:// and rediss:// URLs', () => {
  assert.deepEqual(parseRedisConnectionString('redis://127.0.0.1:6379'), { host: '127.0.0.1', port: 6379, username: undefined, password: undefined, db: 0, tls: false });
  assert.deepEqual(parseRedisConnectionString('rediss://:p%40ss@cache.example:6380/2'), { host: 'cache.example', port: 6380, username: undefined, password: 'p@ss', db: 2, tls: true });
  assert.equal(parseRedisConnectionString('redis://gw:pw@[::1]').host, '::1');
});

it('names what is wrong, never echoing a value', () => {
  const problems = {
    'host:6379,passwrd=hunter2': /unknown option "passwrd"; supported: password/,
    'host:6379,ssl=yes-hunter2': /ssl must be True or False/,
    'host:6379,defaultDatabase=hunter2': /defaultDatabase must be a whole number/,
    'host1:6379,host2:6379': /one endpoint only/,
    'password=hunter2': /expected host:port first/,
    'host:99999,password=hunter2': /port must be 1-65535/,
    'redis://:hunter2@host/zero': /database number/,
    'redis://:hunter2@host?tls=hunter2': /no query/,
  };
  for (const [text, expected] of Object.entries(problems)) {
    const problem = redisConnectionStringProblem(text);
    assert.match(problem ?? '', expected, text);
    assert.doesNotMatch(problem!, /hunter2/);
  }
  assert.equal(redisConnectionStringProblem('host:6379,password=hunter2'), undefined);
});

it('is checked when settings load, with the value redacted', () => {
  assert.throws(() => loadSettings({ env: { 'cache.redis.connectionString': 'cache:6380,password=hunter2,sl=True' } }), (error: unknown) => {
    assert.ok(error instanceof ApimgwError);
    assert.equal(error.code, 'APIMGW_E_SETTINGS_INVALID');
    assert.match(error.message, /unknown option "sl"/);
    assert.match(error.message, /redis\[s\]:\/\//);
    assert.doesNotMatch(error.message, /hunter2/);
    return true;
  });
  assert.equal(loadSettings({ env: { 'cache.redis.connectionString': 'cache:6380,password=hunter2' } }).settings['cache.redis.connectionString'], 'cache:6380,password=hunter2');
});
