import * as assert from 'node:assert/strict';
import { findDeclarations, languageOfFile, type DeclarationQuery, type SourceLanguage } from '../../../../src/core/mapping/findDeclaration';
import { symbolTargets } from '../../../../src/core/mapping/symbolTargets';

/** The 1-based lines of the declarations found, searching `source` as `qualified` names it. */
function linesOf(source: string, language: SourceLanguage, query: DeclarationQuery): number[] {
  return findDeclarations(source, language, query).map((d) => d.line);
}

/** The query the runtime's name gives, as resolveSpanLocation would search it. */
function queryFor(qualified: string, sdk: string): DeclarationQuery {
  const [target] = symbolTargets(qualified, sdk);
  assert.ok(target, `no reading of ${qualified}`);
  return target;
}

const checkoutJava = `package com.shop;

import java.util.List;

/** Calls pay(order) from the docs: pay(Order o) is not a declaration here. */
public class Checkout {
  private final Repo repo = new Repo();
  private final int fee = pay(0);

  @Override
  @WithSpan("pay")
  public Receipt pay(Order order) {
    // pay(order) again would recurse
    return pay(order, List.of());
  }

  public <T extends Item> Receipt pay(Order order, List<T> items) {
    String s = "pay(";
    Runnable r = () -> repo.save(order);
    return new Receipt(items.size());
  }

  public Checkout() {
    this.repo.init();
  }

  static class Refund {
    void pay(Order order) {}
  }

  void submit() {
    new Thread(new Runnable() {
      @Override
      public void run() {
        pay(null);
      }
    }).start();
  }
}

class Repo {
  Receipt pay(Order order) { return null; }
}
`;

describe('findDeclarations', () => {
  it('Java: the method line under its annotations, overloads in order, not calls, comments, strings or another class', () => {
    assert.deepEqual(linesOf(checkoutJava, 'java', queryFor('com.shop.Checkout.pay', 'java')), [12, 17]);
    // An inner class's method, and the same name in another top-level class of the file.
    assert.deepEqual(linesOf(checkoutJava, 'java', queryFor('com.shop.Checkout$Refund.pay', 'java')), [28]);
    assert.deepEqual(linesOf(checkoutJava, 'java', queryFor('com.shop.Repo.pay', 'java')), [42]);
    // The constructor, a lambda named by javac, and an anonymous class's method.
    assert.deepEqual(linesOf(checkoutJava, 'java', queryFor('com.shop.Checkout.<init>', 'java')), [23]);
    assert.deepEqual(linesOf(checkoutJava, 'java', queryFor('com.shop.Checkout.lambda$pay$0', 'java')), [12, 17]);
    assert.deepEqual(linesOf(checkoutJava, 'java', queryFor('com.shop.Checkout$1.run', 'java')), [34]);
    // A hidden lambda class names no method: the class declaration.
    assert.deepEqual(linesOf(checkoutJava, 'java', queryFor('com.shop.Checkout$$Lambda/0x0000748ae4149c00.run', 'java')), [6]);
  });

  it('Java: the column is the name’s', () => {
    const [first] = findDeclarations(checkoutJava, 'java', queryFor('com.shop.Checkout.pay', 'java'));
    assert.deepEqual(first, { line: 12, column: 18 });
  });

  it('Kotlin: fun declarations of the class, companion objects, top-level functions of FileKt, lambdas', () => {
    const source = `package com.shop

import io.opentelemetry.instrumentation.annotations.WithSpan

class FraudCheck(private val repo: Repo) : Check() {
    @WithSpan
    override fun score(order: Order): Int = repo.score(order)

    fun <T : Item> score(order: Order, items: List<T>): Int {
        val f = { x: Int -> score(order) }
        return items.size
    }

    inner class Audit {
        fun score(order: Order) = 0
    }

    companion object {
        fun create(): FraudCheck = FraudCheck(Repo())
    }
}

fun main(args: Array<String>) {
    FraudCheck(Repo()).score(Order())
}
`;
    assert.deepEqual(linesOf(source, 'kotlin', queryFor('com.shop.FraudCheck.score', 'java')), [7, 9]);
    assert.deepEqual(linesOf(source, 'kotlin', queryFor('com.shop.FraudCheck$Audit.score', 'java')), [15]);
    assert.deepEqual(linesOf(source, 'kotlin', queryFor('com.shop.FraudCheck$Companion.create', 'java')), [19]);
    assert.deepEqual(linesOf(source, 'kotlin', queryFor('com.shop.FraudCheckKt.main', 'java')), [23]);
    assert.deepEqual(linesOf(source, 'kotlin', queryFor('com.shop.FraudCheck.score$lambda$0', 'java')), [7, 9]);
  });

  it('C#: methods in a namespace, nested classes, generics, attributes, compiler-generated names', () => {
    const source = `using System.Threading.Tasks;

namespace Shop.Accounting
{
    /// <summary>Handle(order) books it.</summary>
    public class Ledger<T> where T : IEntry
    {
        [Obsolete("use Handle(order, ct)")]
        public async Task<int> Handle(Order order)
        {
            var x = Handle(order, default);
            return await x;
        }

        public Task<int> Handle(Order order, CancellationToken ct) => Task.FromResult(1);

        public Ledger() { }

        private class Entry
        {
            internal void Handle(Order order) { }
        }
    }

    public class Audit
    {
        public void Handle(Order order) { }
    }
}
`;
    assert.deepEqual(linesOf(source, 'csharp', queryFor('Shop.Accounting.Ledger`1.Handle', 'dotnet')), [9, 15]);
    assert.deepEqual(linesOf(source, 'csharp', queryFor('Shop.Accounting.Ledger`1+Entry.Handle', 'dotnet')), [21]);
    assert.deepEqual(linesOf(source, 'csharp', queryFor('Shop.Accounting.Audit.Handle', 'dotnet')), [27]);
    assert.deepEqual(linesOf(source, 'csharp', queryFor('Shop.Accounting.Ledger`1+<Handle>d__3.MoveNext', 'dotnet')), [9, 15]);
    assert.deepEqual(linesOf(source, 'csharp', queryFor('Shop.Accounting.Ledger`1.<Handle>b__3_0', 'dotnet')), [9, 15]);
    assert.deepEqual(linesOf(source, 'csharp', queryFor('Shop.Accounting.Ledger`1..ctor', 'dotnet')), [17]);
  });

  it('Go: functions, pointer and value receivers, generic receivers, closures', () => {
    const source = `package checkout

import "fmt"

// func PlaceOrder(ctx) is documented here, not declared.
type Server struct{}

func (s *Server) PlaceOrder(ctx context.Context, req *Req) (*Resp, error) {
	go func() { fmt.Println("func (s *Server) PlaceOrder(") }()
	return nil, nil
}

func (c Cart) PlaceOrder() {}

func (l *List[T]) Push(v T) {}

func prepare[T any](items []T) error {
	do := func() {}
	do()
	return nil
}
`;
    assert.deepEqual(linesOf(source, 'go', queryFor('github.com/demo/checkout/v2/checkout.(*Server).PlaceOrder', 'go')), [8]);
    assert.deepEqual(linesOf(source, 'go', queryFor('github.com/demo/checkout/v2/checkout.Cart.PlaceOrder', 'go')), [13]);
    assert.deepEqual(linesOf(source, 'go', queryFor('github.com/demo/checkout/v2/checkout.(*List[...]).Push', 'go')), [15]);
    assert.deepEqual(linesOf(source, 'go', queryFor('github.com/demo/checkout/v2/checkout.prepare[...].func1', 'go')), [17]);
    assert.deepEqual(linesOf(source, 'go', queryFor('github.com/demo/checkout/v2/checkout.prepare.func1', 'go')), [17]);
  });

  it('Python: methods of the class under decorators, not a docstring, another class or a nested def', () => {
    const source = `"""Recommendations.

def list_recommendations(request): documented, not declared.
"""
import functools


class RecommendationService:
    @functools.cache
    def list_recommendations(self, request):
        def list_recommendations(inner):
            return inner
        return list_recommendations(request)

    async def list_recommendations(self, request, context):
        return []


class Other:
    def list_recommendations(self):
        pass


def list_recommendations(request):
    pass
`;
    const targets = symbolTargets('recs.service.RecommendationService.list_recommendations', 'python');
    // The module may end anywhere: the reading with the class as container finds the methods.
    const lines = targets.map((t) => linesOf(source, 'python', t));
    assert.deepEqual(lines[0], [24]);
    assert.deepEqual(lines[1], [10, 15]);
    assert.deepEqual(linesOf(source, 'python', queryFor('recs.service.<module>', 'python')), []);
    assert.deepEqual(linesOf(source, 'python', { containers: ['RecommendationService', 'list_recommendations'], member: 'list_recommendations' }), [11]);
  });

  it('Ruby: def and def self. in the class, compact class names, not another class', () => {
    const source = `# frozen_string_literal: true

module Shop
  # def charge(card) is in the docs only
  class PaymentGateway < Base
    def charge(card, amount)
      "def charge("
    end

    def self.charge(card)
      new.charge(card, 0)
    end
  end

  class Refunds
    def charge(card); end
  end
end
`;
    assert.deepEqual(linesOf(source, 'ruby', queryFor('Shop::PaymentGateway#charge', 'ruby')), [6, 10]);
    assert.deepEqual(linesOf(source, 'ruby', queryFor('Shop::Refunds#charge', 'ruby')), [16]);
    assert.deepEqual(linesOf('class Shop::Refunds\n  def charge(card)\n  end\nend\n', 'ruby', queryFor('Shop::Refunds#charge', 'ruby')), [2]);
  });

  it('knows the language of a file by its extension', () => {
    assert.deepEqual(['A.java', 'a.kt', 'A.cs', 'a.go', 'a.py', 'a.rb', 'a.ts'].map(languageOfFile), ['java', 'kotlin', 'csharp', 'go', 'python', 'ruby', undefined]);
  });
});

describe('symbolTargets', () => {
  it('turns namespaces into the files they name, per runtime', () => {
    const paths = (qualified: string, sdk?: string): string[] => symbolTargets(qualified, sdk).flatMap((t) => (t.directory ? [`dir:${t.directory.join('/')}`] : t.paths.map((p) => p.path)));
    assert.deepEqual(paths('com.shop.Checkout$Inner.pay', 'java'), ['com/shop/Checkout.java', 'com/shop/Checkout.kt', 'com/shop/Checkout.scala', 'com/shop/Checkout.groovy']);
    assert.deepEqual(paths('com.shop.CheckoutKt.main', 'java').slice(-1), ['com/shop/Checkout.kt']);
    assert.deepEqual(paths('recs.service.Recs.get', 'python'), ['recs/service/Recs.py', 'recs/service/Recs/__init__.py', 'recs/service.py', 'recs/service/__init__.py', 'recs.py', 'recs/__init__.py']);
    assert.deepEqual(paths('github.com/x/repo/pkg.(*T).M', 'go'), ['dir:github.com/x/repo/pkg']);
    assert.deepEqual(paths('github.com/x/repo/v2.Run', 'go'), ['dir:github.com/x/repo']);
    assert.deepEqual(paths('Shop.Orders.Checkout.Pay', 'dotnet'), ['Shop/Orders/Checkout.cs']);
    assert.deepEqual(paths('Shop::PaymentGateway#charge', 'ruby'), ['shop/payment_gateway.rb']);
    // Without telemetry.sdk.language, the name's shape decides.
    assert.deepEqual(paths('Shop::PaymentGateway.charge'), ['shop/payment_gateway.rb']);
    assert.deepEqual(paths('github.com/x/repo/pkg.foo.func5'), ['dir:github.com/x/repo/pkg']);
    assert.ok(paths('com.shop.Checkout.pay').includes('com/shop/Checkout.java') && paths('com.shop.Checkout.pay').includes('com/shop/Checkout.cs'));
  });
});
