#!/usr/bin/env node
// ioredis's Lua commands (defineCommand) against a server it starts: exact results of a capped
// counter called many times at once from several connections, EVALSHA after each connection's
// first EVAL (read from INFO commandstats), the fall back to EVAL after SCRIPT FLUSH's NOSCRIPT, pipelines of defined
// commands, Buffer replies and script errors.
//
// Usage: node define_command.js --server build/src/strata-server [--io-threads N]
// The server gets a free port ($STRATA_TEST_PORTS, "7400-7499", when set). Any server that takes
// redis-server's options works: `--server /usr/bin/redis-server` runs the same checks against
// Redis as a control. Ends with "ioredis: N passed, N failed"; a failed check, a server that
// exited early, exited non-zero when stopped or printed a sanitizer report fails.
'use strict';

const assert = require('node:assert/strict');
const childProcess = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

let Redis;
try {
  Redis = require('ioredis');
} catch (e) {
  // Never a skip: a missing client is a failure (scripts/setup runs `npm ci` here).
  console.log(`FAIL load ioredis: ${e.message} (run npm ci in ${__dirname})`);
  console.log('ioredis: 0 passed, 1 failed');
  process.exit(1);
}

// Capped counter: increments KEYS[1] while it is below ARGV[1], answers the new value, or -1 once
// the cap is reached. Concurrent calls must hand out each value 1..cap exactly once.
const INCRMAX = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v >= tonumber(ARGV[1]) then return -1 end
return redis.call('INCR', KEYS[1])`;

function parseArgs(argv) {
  const args = { server: null, ioThreads: 4 };
  for (let i = 2; i < argv.length; i += 2) {
    if (argv[i] === '--server') args.server = argv[i + 1];
    else if (argv[i] === '--io-threads') args.ioThreads = Number(argv[i + 1]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (!args.server) throw new Error('--server BINARY is required');
  return args;
}

function bindable(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(null));
    s.listen(port, '127.0.0.1', () => {
      const got = s.address().port;
      s.close(() => resolve(got));
    });
  });
}

// A free port from $STRATA_TEST_PORTS when it is set, else one the kernel picks.
async function freePort() {
  const m = /^(\d+)-(\d+)$/.exec(process.env.STRATA_TEST_PORTS || '');
  const candidates = [];
  if (m) for (let p = Number(m[1]); p <= Number(m[2]); p++) candidates.push(p);
  else candidates.push(0);
  for (const p of candidates) {
    const got = await bindable(p);
    if (got !== null) return got;
  }
  throw new Error('no free port');
}

function answersPing(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(1000);
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class Server {
  static async start(binary, ioThreads) {
    const server = new Server();
    server.port = await freePort();
    server.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-node-'));
    server.logPath = path.join(server.dir, 'server.log');
    const log = fs.openSync(server.logPath, 'w');
    const argv = ['--port', String(server.port), '--save', '', '--dir', server.dir];
    if (!binary.endsWith('redis-server')) argv.push('--io-threads', String(ioThreads));
    server.proc = childProcess.spawn(binary, argv, { stdio: ['ignore', log, log] });
    server.exit = new Promise((resolve) => server.proc.once('exit', (code, signal) => resolve({ code, signal })));
    server.exited = null;
    server.exit.then((status) => {
      server.exited = status;
    });
    const deadline = Date.now() + 30000;
    while (!(await answersPing(server.port))) {
      if (server.exited) throw new Error(`${binary} exited during start-up (${JSON.stringify(server.exited)})`);
      if (Date.now() > deadline) throw new Error(`${binary} did not answer on port ${server.port}`);
      await sleep(50);
    }
    return server;
  }

  // Stops the server; returns what went wrong with it (empty when nothing did).
  async stop() {
    const problems = [];
    if (this.exited) {
      problems.push(`the server had exited (${JSON.stringify(this.exited)})`);
    } else {
      this.proc.kill('SIGTERM');
      const status = await Promise.race([this.exit, sleep(30000).then(() => null)]);
      if (status === null) {
        this.proc.kill('SIGKILL');
        problems.push('the server did not stop within 30 s');
      } else if (status.code !== 0) {
        problems.push(`the server exited with ${JSON.stringify(status)} when stopped`);
      }
    }
    const log = fs.readFileSync(this.logPath, 'utf8');
    const report = log.search(/(WARNING|ERROR): \w+Sanitizer|runtime error: /);
    if (report >= 0) problems.push(`sanitizer report:\n${log.slice(report, report + 4000)}`);
    if (problems.length === 0) fs.rmSync(this.dir, { recursive: true, force: true });
    return problems;
  }
}

// The calls and failed calls of each command in INFO commandstats.
async function commandStats(client) {
  const stats = {};
  for (const line of (await client.info('commandstats')).split('\r\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),.*failed_calls=(\d+)/.exec(line);
    if (m) stats[m[1]] = { calls: Number(m[2]), failed: Number(m[3]) };
  }
  return stats;
}

const calls = (stats, name) => (stats[name] ? stats[name].calls : 0);
const failedCalls = (stats, name) => (stats[name] ? stats[name].failed : 0);

function defineAll(client) {
  client.defineCommand('incrmax', { numberOfKeys: 1, lua: INCRMAX });
  // numberOfKeys given at each call.
  client.defineCommand('getsum', {
    lua: 'local s = 0 for i = 1, #KEYS do s = s + tonumber(redis.call("GET", KEYS[i]) or "0") end return s',
  });
  client.defineCommand('packargs', {
    numberOfKeys: 0,
    lua: 'return cmsgpack.pack(ARGV[1], tonumber(ARGV[2]), {1, 2})',
  });
  client.defineCommand('fails', { numberOfKeys: 0, lua: "return redis.call('nosuchcommand')" });
}

function newClient(port) {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  defineAll(client);
  return client;
}

async function main() {
  const args = parseArgs(process.argv);
  let passed = 0;
  let failed = 0;
  const check = async (name, fn) => {
    try {
      const note = await fn();
      passed++;
      console.log(`ok   ${name}${note ? ` (${note})` : ''}`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    }
  };

  let server;
  try {
    server = await Server.start(args.server, args.ioThreads);
  } catch (e) {
    console.log(`FAIL start the server: ${e.message}`);
    console.log('ioredis: 0 passed, 1 failed');
    process.exit(1);
  }
  const clients = Array.from({ length: 6 }, () => newClient(server.port));
  const [first] = clients;
  try {
    await Promise.all(clients.map((c) => c.connect()));
    await first.config('resetstat');

    // ioredis sends a connection's first call of a script as EVAL, the next ones as EVALSHA.
    await check('first call on a connection: EVAL', async () => {
      assert.equal(await first.incrmax('warmup', 10), 1);
      const stats = await commandStats(first);
      assert.equal(calls(stats, 'eval'), 1, 'one EVAL');
      assert.equal(calls(stats, 'evalsha'), 0, 'no EVALSHA');
    });

    const CAP = 700;
    const PER_CLIENT = 200;
    const TOTAL = clients.length * PER_CLIENT;
    await check(`${TOTAL} concurrent calls from ${clients.length} connections hand out 1..${CAP} once each`, async () => {
      const before = await commandStats(first);
      const callMany = (c) => Promise.all(Array.from({ length: PER_CLIENT }, () => c.incrmax('capped', CAP)));
      const results = (await Promise.all(clients.map(callMany))).flat();
      const handed = results.filter((v) => v !== -1).sort((a, b) => a - b);
      assert.deepEqual(handed, Array.from({ length: CAP }, (_, i) => i + 1));
      assert.equal(results.filter((v) => v === -1).length, TOTAL - CAP);
      assert.equal(await first.get('capped'), String(CAP));
      const after = await commandStats(first);
      // One EVAL on each connection that had not sent the script yet, EVALSHA for every other call.
      const fresh = clients.length - 1;
      assert.equal(calls(after, 'eval') - calls(before, 'eval'), fresh, 'one EVAL per new connection');
      assert.equal(calls(after, 'evalsha') - calls(before, 'evalsha'), TOTAL - fresh, 'EVALSHA for the rest');
      assert.equal(failedCalls(after, 'evalsha'), 0, 'no EVALSHA failed');
      return `${calls(after, 'evalsha')} EVALSHA, ${calls(after, 'eval')} EVAL`;
    });

    await check('each connection sees its own key count up in order', async () => {
      const perClient = await Promise.all(
        clients.map((c, i) => Promise.all(Array.from({ length: 150 }, () => c.incrmax(`own:${i}`, 100)))),
      );
      const want = [...Array.from({ length: 100 }, (_, i) => i + 1), ...Array(50).fill(-1)];
      perClient.forEach((got) => assert.deepEqual(got, want));
    });

    await check('a pipeline of defined commands', async () => {
      const fresh = newClient(server.port);
      try {
        await fresh.connect();
        const replies = await fresh
          .pipeline()
          .incrmax('piped', 3)
          .set('other', '10')
          .incrmax('piped', 3)
          .incrmax('piped', 3)
          .incrmax('piped', 3)
          .getsum(2, 'piped', 'other')
          .get('piped')
          .exec();
        assert.deepEqual(replies, [
          [null, 1],
          [null, 'OK'],
          [null, 2],
          [null, 3],
          [null, -1],
          [null, 13],
          [null, '3'],
        ]);
      } finally {
        fresh.disconnect();
      }
    });

    await check('MULTI/EXEC of defined commands', async () => {
      const replies = await first.multi().incrmax('tx', 2).incrmax('tx', 2).incrmax('tx', 2).getsum(1, 'tx').exec();
      assert.deepEqual(replies, [
        [null, 1],
        [null, 2],
        [null, -1],
        [null, 2],
      ]);
    });

    await check('after SCRIPT FLUSH the next call falls back to EVAL once', async () => {
      await first.script('flush');
      const before = await commandStats(first);
      assert.equal(await first.incrmax('flushed', 5), 1);
      assert.equal(await first.incrmax('flushed', 5), 2);
      const after = await commandStats(first);
      assert.equal(calls(after, 'eval') - calls(before, 'eval'), 1, 'one EVAL');
      assert.equal(calls(after, 'evalsha') - calls(before, 'evalsha'), 2, 'two EVALSHA (the first answered NOSCRIPT)');
      assert.equal(failedCalls(after, 'evalsha') - failedCalls(before, 'evalsha'), 1, 'one NOSCRIPT');
    });

    await check('a pipeline after SCRIPT FLUSH loads the script first', async () => {
      await first.script('flush');
      const replies = await first.pipeline().incrmax('reload', 2).incrmax('reload', 2).incrmax('reload', 2).exec();
      assert.deepEqual(replies, [
        [null, 1],
        [null, 2],
        [null, -1],
      ]);
    });

    await check('Buffer replies: the bytes of cmsgpack.pack', async () => {
      const got = await first.packargsBuffer('hi', 300);
      assert.ok(Buffer.isBuffer(got));
      // fixstr "hi", uint16 300, fixarray {1, 2}
      assert.equal(got.toString('hex'), 'a26869' + 'cd012c' + '920102');
    });

    await check('a script error rejects with Redis\'s text', async () => {
      await assert.rejects(first.fails(), (err) => {
        const text = /^ERR Unknown Redis command called from script script: [0-9a-f]{40}, on @user_script:1\.$/;
        assert.match(err.message, text);
        return true;
      });
      // The connection goes on.
      assert.equal(await first.incrmax('after-error', 1), 1);
    });
  } catch (e) {
    failed++;
    console.log(`FAIL unexpected: ${e && e.stack ? e.stack : e}`);
  } finally {
    clients.forEach((c) => c.disconnect());
  }
  const problems = await server.stop();
  if (problems.length) {
    failed++;
    console.log(`FAIL the server ran clean: ${problems.join('\n')}`);
  } else {
    passed++;
    console.log('ok   the server ran clean');
  }
  console.log(`ioredis: ${passed} passed, ${failed} failed`);
  process.exit(failed || !passed ? 1 : 0);
}

main();
