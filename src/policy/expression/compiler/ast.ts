/** Syntax tree of a policy expression; `pos` is the absolute offset of the node's first token. */

export interface TypeRef {
  readonly name: string;
  readonly args: readonly TypeRef[];
  readonly arrayRank: number;
  readonly nullable: boolean;
  readonly pos: number;
}

export type LiteralType = 'int' | 'long' | 'double' | 'decimal' | 'float' | 'uint' | 'ulong' | 'string' | 'char' | 'bool' | 'null';

export interface Argument {
  readonly name: string | null;
  readonly modifier: 'out' | 'ref' | null;
  /** `out var x` / `out int x`: the variable declared by the argument. */
  readonly declares: { readonly name: string; readonly type: TypeRef | null; readonly pos: number } | null;
  readonly value: Expr | null;
}

export interface MemberInit {
  readonly name: string;
  readonly pos: number;
  readonly value: Expr;
}

export type Initializer =
  | { readonly kind: 'object'; readonly members: readonly MemberInit[] }
  | { readonly kind: 'collection'; readonly items: readonly (readonly Expr[])[] }
  | { readonly kind: 'index'; readonly entries: readonly { readonly keys: readonly Expr[]; readonly value: Expr }[] };

export interface InterpolationPart {
  readonly expr: Expr;
  readonly alignment: string | null;
  readonly format: string | null;
}

export type Expr = { readonly pos: number } & (
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null; readonly type: LiteralType }
  | { readonly kind: 'name'; readonly name: string; readonly typeArgs: readonly TypeRef[] | null }
  | { readonly kind: 'member'; readonly target: Expr; readonly name: string; readonly namePos: number; readonly typeArgs: readonly TypeRef[] | null }
  | { readonly kind: 'call'; readonly callee: Expr; readonly args: readonly Argument[] }
  | { readonly kind: 'index'; readonly target: Expr; readonly args: readonly Expr[] }
  | { readonly kind: 'conditionalAccess'; readonly target: Expr; readonly whenNotNull: Expr }
  | { readonly kind: 'binding' }
  | { readonly kind: 'unary'; readonly op: string; readonly operand: Expr }
  | { readonly kind: 'update'; readonly op: '++' | '--'; readonly prefix: boolean; readonly target: Expr }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'assign'; readonly op: string; readonly target: Expr; readonly value: Expr }
  | { readonly kind: 'conditional'; readonly test: Expr; readonly whenTrue: Expr; readonly whenFalse: Expr }
  | { readonly kind: 'cast'; readonly type: TypeRef; readonly operand: Expr }
  | { readonly kind: 'is'; readonly operand: Expr; readonly pattern: Pattern }
  | { readonly kind: 'as'; readonly operand: Expr; readonly type: TypeRef }
  | { readonly kind: 'new'; readonly type: TypeRef; readonly args: readonly Argument[]; readonly init: Initializer | null }
  | { readonly kind: 'newArray'; readonly elementType: TypeRef | null; readonly size: Expr | null; readonly items: readonly Expr[] | null }
  | { readonly kind: 'anonymous'; readonly members: readonly MemberInit[] }
  | { readonly kind: 'lambda'; readonly params: readonly string[]; readonly body: Expr | Stmt }
  | { readonly kind: 'interpolated'; readonly parts: readonly string[]; readonly holes: readonly InterpolationPart[] }
  | { readonly kind: 'default'; readonly type: TypeRef | null }
  | { readonly kind: 'nameof'; readonly name: string }
  | { readonly kind: 'typeof'; readonly type: TypeRef }
  | { readonly kind: 'throw'; readonly value: Expr }
);

/** The patterns of `is` and `case`: `null`, `"a"`, `string s`, `JObject`, `var x`, `not null`. */
export type Pattern = { readonly pos: number } & (
  /** A constant, or a type when the expression turns out to name one (`case JObject:`). */
  | { readonly kind: 'constant'; readonly value: Expr }
  | { readonly kind: 'type'; readonly type: TypeRef; readonly declares: string | null }
  | { readonly kind: 'var'; readonly declares: string }
  | { readonly kind: 'not'; readonly pattern: Pattern }
);

export interface SwitchLabel {
  readonly pattern: Pattern;
  /** `case string s when s.Length > 0:` */
  readonly guard: Expr | null;
}

export interface CatchClause {
  readonly type: TypeRef | null;
  readonly name: string | null;
  readonly filter: Expr | null;
  readonly body: Stmt;
}

export interface SwitchSection {
  /** `null` is `default:`. */
  readonly labels: readonly (SwitchLabel | null)[];
  readonly body: readonly Stmt[];
}

export interface Declarator {
  readonly name: string;
  readonly pos: number;
  readonly init: Expr | null;
}

export type Stmt = { readonly pos: number } & (
  | { readonly kind: 'block'; readonly body: readonly Stmt[]; readonly end: number }
  | { readonly kind: 'declare'; readonly type: TypeRef | null; readonly declarators: readonly Declarator[] }
  | { readonly kind: 'expression'; readonly expr: Expr }
  | { readonly kind: 'if'; readonly test: Expr; readonly then: Stmt; readonly otherwise: Stmt | null }
  | { readonly kind: 'return'; readonly value: Expr | null }
  | { readonly kind: 'throw'; readonly value: Expr | null }
  | { readonly kind: 'foreach'; readonly type: TypeRef | null; readonly name: string; readonly iterable: Expr; readonly body: Stmt }
  | { readonly kind: 'for'; readonly init: readonly Stmt[]; readonly test: Expr | null; readonly update: readonly Expr[]; readonly body: Stmt }
  | { readonly kind: 'while'; readonly test: Expr; readonly body: Stmt }
  | { readonly kind: 'do'; readonly test: Expr; readonly body: Stmt }
  | { readonly kind: 'break' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'switch'; readonly subject: Expr; readonly sections: readonly SwitchSection[] }
  | { readonly kind: 'try'; readonly body: Stmt; readonly catches: readonly CatchClause[]; readonly finally: Stmt | null }
  | { readonly kind: 'empty' }
);
