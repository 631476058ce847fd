import * as assert from 'node:assert/strict';
import { detectStackLanguage, innermostApplicationFirst, parseStackTrace } from '../../../../src/core/mapping/parseStackTrace';
import type { StackFrame } from '../../../../src/core/mapping/stackFrame';

const pick = (f: StackFrame): [string | undefined, string | undefined, number | undefined, number | undefined, boolean] => [f.function, f.file, f.line, f.column, f.library];

describe('parseStackTrace', () => {
  describe('V8 / Node', () => {
    const stack = [
      "TypeError: Cannot read properties of undefined (reading 'id')",
      '    at Checkout.pay [as run] (/app/dist/checkout.js:12:34)',
      '    at new Order (/app/dist/order.js:3:9)',
      '    at /app/dist/server.js:99:78',
      '    at async Promise.all (index 0)',
      '    at async handler (file:///app/dist/esm%20dir/handler.mjs:5:11)',
      '    at eval (eval at compile (/app/dist/tpl.js:40:7), <anonymous>:1:1)',
      '    at Object.<anonymous> (C:\\build\\app\\main.js:7:1)',
      '    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at Array.forEach (<anonymous>)',
    ].join('\n');

    it('reads names, locations, async, new, eval origins, file URLs and Windows paths', () => {
      const trace = parseStackTrace(stack);
      assert.equal(trace.language, 'v8');
      const [main] = trace.sections;
      assert.equal(main?.type, 'TypeError');
      assert.deepEqual(main.frames.map(pick), [
        ['Checkout.pay [as run]', '/app/dist/checkout.js', 12, 34, false],
        ['new Order', '/app/dist/order.js', 3, 9, false],
        [undefined, '/app/dist/server.js', 99, 78, false],
        ['Promise.all', undefined, undefined, undefined, true],
        ['handler', '/app/dist/esm dir/handler.mjs', 5, 11, false],
        ['eval', '/app/dist/tpl.js', 40, 7, false],
        ['Object.<anonymous>', 'C:\\build\\app\\main.js', 7, 1, false],
        ['Layer.handle', '/app/node_modules/express/lib/router/layer.js', 95, 5, true],
        ['process.processTicksAndRejections', 'node:internal/process/task_queues', 95, 5, true],
        ['Array.forEach', undefined, undefined, undefined, true],
      ]);
    });

    it("splits gRPC-js's 'for call at' section and puts its application frame first", () => {
      const grpc = [
        'Error: 14 UNAVAILABLE: No connection established',
        '    at callErrorFromStatus (/app/node_modules/@grpc/grpc-js/build/src/call.js:31:19)',
        '    at Object.onReceiveStatus (/app/node_modules/@grpc/grpc-js/build/src/client.js:193:76)',
        'for call at',
        '    at ServiceClientImpl.makeUnaryRequest (/app/node_modules/@grpc/grpc-js/build/src/client.js:161:32)',
        '    at /app/src/checkout/placeOrder.js:42:15',
      ].join('\n');
      const trace = parseStackTrace(grpc);
      assert.deepEqual(
        trace.sections.map((s) => [s.kind, s.frames.length]),
        [
          ['main', 2],
          ['callSite', 2],
        ],
      );
      const first = innermostApplicationFirst(trace)[0];
      assert.equal(first?.frame.file, '/app/src/checkout/placeOrder.js');
      assert.equal(first.sectionIndex, 1);
    });
  });

  describe('Python', () => {
    const chained = [
      'Traceback (most recent call last):',
      '  File "/usr/src/app/recommendation_server.py", line 88, in fetch',
      '    return cache[key]',
      '           ~~~~~^^^^^',
      "KeyError: 'p-1'",
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "/usr/src/app/recommendation_server.py", line 172, in <module>',
      '    serve()',
      '  File "/usr/local/lib/python3.12/site-packages/grpc/_server.py", line 552, in _call_behavior',
      '    response_or_iterator = behavior(argument, context)',
      '  File "/usr/src/app/recommendation_server.py", line 91, in fetch',
      '    raise LookupError("no product") from None',
      'LookupError: no product',
    ].join('\n');

    it('reverses frames to innermost first and keeps chained exceptions apart', () => {
      const trace = parseStackTrace(chained);
      assert.equal(trace.language, 'python');
      assert.deepEqual(
        trace.sections.map((s) => [s.kind, s.type, s.message]),
        [
          ['context', 'KeyError', "'p-1'"],
          ['main', 'LookupError', 'no product'],
        ],
      );
      assert.deepEqual(trace.sections[1]?.frames.map(pick), [
        ['fetch', '/usr/src/app/recommendation_server.py', 91, undefined, false],
        ['_call_behavior', '/usr/local/lib/python3.12/site-packages/grpc/_server.py', 552, undefined, true],
        ['<module>', '/usr/src/app/recommendation_server.py', 172, undefined, false],
      ]);
      // The root cause (printed first) holds the real throw site.
      assert.equal(innermostApplicationFirst(trace)[0]?.frame.line, 88);
    });

    it('recognises the "direct cause" separator', () => {
      const trace = parseStackTrace(chained.replace('During handling of the above exception, another exception occurred:', 'The above exception was the direct cause of the following exception:'));
      assert.equal(trace.sections[0]?.kind, 'cause');
    });
  });

  describe('Java / Kotlin', () => {
    const java = [
      'java.lang.IllegalStateException: payment failed',
      '\tat com.shop.Checkout.pay(Checkout.java:42)',
      '\tat com.shop.Checkout$Inner.lambda$run$0(Checkout.java:30)',
      '\tat java.base/java.util.ArrayList.forEach(ArrayList.java:1541)',
      '\tat app//com.shop.Main.main(Main.kt:9)',
      '\tat com.shop.loader/shop@1.0/com.shop.Boot.start(Boot.java)',
      '\tat jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)',
      '\tSuppressed: java.io.IOException: close failed',
      '\t\tat com.shop.Res.close(Res.java:12)',
      '\t\t... 2 more',
      'Caused by: java.sql.SQLException: db down',
      '\tat org.postgresql.Driver.connect(Driver.java:285)',
      '\tat com.shop.repo.OrderRepo.save(OrderRepo.kt:17)',
      '\t... 3 more',
    ].join('\n');

    it('reads frames with module prefixes, package paths, Caused by and Suppressed', () => {
      const trace = parseStackTrace(java);
      assert.equal(trace.language, 'java');
      assert.deepEqual(
        trace.sections.map((s) => [s.kind, s.type, s.frames.length]),
        [
          ['main', 'java.lang.IllegalStateException', 6],
          ['suppressed', 'java.io.IOException', 1],
          ['cause', 'java.sql.SQLException', 2],
        ],
      );
      assert.deepEqual(trace.sections[0]?.frames.map(pick).slice(0, 6), [
        ['com.shop.Checkout.pay', 'com/shop/Checkout.java', 42, undefined, false],
        ['com.shop.Checkout$Inner.lambda$run$0', 'com/shop/Checkout.java', 30, undefined, false],
        ['java.util.ArrayList.forEach', 'java/util/ArrayList.java', 1541, undefined, true],
        ['com.shop.Main.main', 'com/shop/Main.kt', 9, undefined, false],
        ['com.shop.Boot.start', 'com/shop/Boot.java', undefined, undefined, false],
        ['jdk.internal.reflect.NativeMethodAccessorImpl.invoke0', undefined, undefined, undefined, true],
      ]);
    });

    it('tries the root cause first', () => {
      const first = innermostApplicationFirst(parseStackTrace(java))[0];
      assert.equal(first?.frame.file, 'com/shop/repo/OrderRepo.kt');
      assert.equal(first.frame.line, 17);
    });

    it('reads the type behind the default handler’s `Exception in thread "…"` prefix', () => {
      const uncaught = ['Exception in thread "pool-1 \\"worker\\"" com.shop.PayException: card: declined', '\tat com.shop.Checkout.pay(Checkout.java:42)'].join('\n');
      assert.deepEqual(
        parseStackTrace(uncaught).sections.map((s) => [s.type, s.message]),
        [['com.shop.PayException', 'card: declined']],
      );
      const unnamed = parseStackTrace('Exception in thread "main" java.lang.Error\n\tat com.shop.Main.main(Main.java:3)');
      assert.deepEqual(
        unnamed.sections.map((s) => [s.type, s.message]),
        [['java.lang.Error', undefined]],
      );
    });
  });

  describe('.NET', () => {
    const dotnet = [
      'System.InvalidOperationException: Checkout failed',
      " ---> System.ArgumentException: Amount must be positive (Parameter 'amount')",
      '   at Shop.Payments.Validate(Decimal amount) in /src/Shop/Payments.cs:line 42',
      '   at Shop.Payments.Charge(Order order) in C:\\src\\Shop\\Payments.cs:line 17',
      '   --- End of inner exception stack trace ---',
      '   at Shop.Checkout.<PayAsync>d__5.MoveNext() in /src/Shop/Checkout.cs:line 88',
      '--- End of stack trace from previous location ---',
      '   at System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw()',
      '   at Shop.Api.Handle(HttpContext ctx)',
    ].join('\n');

    it('separates the inner exception and reads file and line', () => {
      const trace = parseStackTrace(dotnet);
      assert.equal(trace.language, 'dotnet');
      assert.deepEqual(
        trace.sections.map((s) => [s.kind, s.type]),
        [
          ['cause', 'System.ArgumentException'],
          ['main', 'System.InvalidOperationException'],
        ],
      );
      assert.deepEqual(trace.sections[0]?.frames.map(pick), [
        ['Shop.Payments.Validate', '/src/Shop/Payments.cs', 42, undefined, false],
        ['Shop.Payments.Charge', 'C:\\src\\Shop\\Payments.cs', 17, undefined, false],
      ]);
      assert.deepEqual(trace.sections[1]?.frames.map(pick), [
        ['Shop.Checkout.<PayAsync>d__5.MoveNext', '/src/Shop/Checkout.cs', 88, undefined, false],
        ['System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw', undefined, undefined, undefined, true],
        ['Shop.Api.Handle', undefined, undefined, undefined, false],
      ]);
    });

    it('accepts localised "in" and "line" words', () => {
      const trace = parseStackTrace('System.Exception: x\n   bei Shop.A.B() in /src/A.cs:Zeile 5\n   bei Shop.A.C() in /src/A.cs:Zeile 9', 'dotnet');
      assert.deepEqual(
        trace.sections[0]?.frames.map((f) => f.line),
        [5, 9],
      );
    });
  });

  describe('Go', () => {
    const panic = [
      'panic: runtime error: invalid memory address or nil pointer dereference',
      '[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a5f2e]',
      '',
      'goroutine 1 [running]:',
      'panic({0x6b4a40?, 0x9a1e10?})',
      '\t/usr/local/go/src/runtime/panic.go:770 +0x132',
      'github.com/shop/checkout/internal/server.(*Server).handle(0xc000010000, {0x7f1e40, 0xc0000a2000})',
      '\t/app/internal/server/handler.go:42 +0x1d',
      'net/http.HandlerFunc.ServeHTTP(0xc000012345?, {0x7f1e40?, 0xc0000a2000?}, 0x0?)',
      '\t/usr/local/go/src/net/http/server.go:2171 +0x29',
      'created by net/http.(*Server).Serve in goroutine 1',
      '\t/usr/local/go/src/net/http/server.go:3285 +0x4b4',
      '',
      'goroutine 7 [IO wait]:',
      'github.com/shop/checkout/internal/db.(*Pool).wait(...)',
      '\t/go/pkg/mod/github.com/jackc/pgx/v5@v5.5.0/pool.go:10 +0x5',
    ].join('\n');

    it('pairs function lines with locations and keeps goroutines apart', () => {
      const trace = parseStackTrace(panic);
      assert.equal(trace.language, 'go');
      assert.deepEqual(
        trace.sections.map((s) => [s.kind, s.frames.length]),
        [
          ['main', 4],
          ['goroutine', 1],
        ],
      );
      assert.equal(trace.sections[0]?.type, 'panic');
      assert.deepEqual(trace.sections[0].frames.map(pick), [
        ['panic', '/usr/local/go/src/runtime/panic.go', 770, undefined, true],
        ['github.com/shop/checkout/internal/server.(*Server).handle', '/app/internal/server/handler.go', 42, undefined, false],
        ['net/http.HandlerFunc.ServeHTTP', '/usr/local/go/src/net/http/server.go', 2171, undefined, true],
        ['net/http.(*Server).Serve', '/usr/local/go/src/net/http/server.go', 3285, undefined, true],
      ]);
      assert.equal(trace.sections[1]?.frames[0]?.library, true);
      assert.equal(innermostApplicationFirst(trace)[0]?.frame.file, '/app/internal/server/handler.go');
    });
  });

  describe('Ruby', () => {
    it('reads full_message output, old and new quoting, and causes', () => {
      const text = [
        "/app/lib/shop/payment.rb:12:in 'Shop::Payment#charge': insufficient funds (Shop::PaymentError)",
        "\tfrom /app/lib/shop/checkout.rb:30:in `block in run'",
        "\tfrom /usr/local/bundle/gems/rack-3.0.8/lib/rack/builder.rb:244:in `call'",
        "/app/lib/shop/gateway.rb:5:in 'Shop::Gateway.post': timeout (Net::ReadTimeout)",
        "\tfrom /app/lib/shop/payment.rb:10:in 'Shop::Payment#charge'",
      ].join('\n');
      const trace = parseStackTrace(text);
      assert.equal(trace.language, 'ruby');
      assert.deepEqual(
        trace.sections.map((s) => [s.kind, s.type, s.message, s.frames.length]),
        [
          ['main', 'Shop::PaymentError', 'insufficient funds', 3],
          ['cause', 'Net::ReadTimeout', 'timeout', 2],
        ],
      );
      assert.deepEqual(trace.sections[0]?.frames.map(pick), [
        ['Shop::Payment#charge', '/app/lib/shop/payment.rb', 12, undefined, false],
        ['block in run', '/app/lib/shop/checkout.rb', 30, undefined, false],
        ['call', '/usr/local/bundle/gems/rack-3.0.8/lib/rack/builder.rb', 244, undefined, true],
      ]);
    });

    it('undoes the reversed order of Ruby 2.5–2.7', () => {
      const text = ['Traceback (most recent call last):', "\t2: from app.rb:9:in `<main>'", "\t1: from app.rb:5:in `outer'", "app.rb:2:in `inner': boom (RuntimeError)"].join('\n');
      const trace = parseStackTrace(text);
      assert.equal(trace.language, 'ruby');
      assert.deepEqual(
        trace.sections[0]?.frames.map((f) => f.line),
        [2, 5, 9],
      );
      assert.equal(trace.sections[0].type, 'RuntimeError');
    });
  });

  describe('bad input', () => {
    it('gives no frames for text that is not a stack trace, never throws', () => {
      for (const text of ['', 'hello world', 'at the end of the day (really)', '\u0000\uffff'.repeat(1000), 'x'.repeat(1_000_000)]) {
        const trace = parseStackTrace(text);
        assert.equal(trace.sections.flatMap((s) => s.frames).filter((f) => f.file !== undefined).length, 0, text.slice(0, 30));
      }
      assert.equal(detectStackLanguage('just a message'), undefined);
    });

    it('keeps odd characters in paths', () => {
      const trace = parseStackTrace('Error: x\n    at f (/app/src/ä ö (copy)/[id]/page.js:1:2)');
      assert.equal(trace.sections[0]?.frames[0]?.file, '/app/src/ä ö (copy)/[id]/page.js');
    });
  });
});
