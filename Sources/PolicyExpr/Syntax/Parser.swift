/// A recursive-descent parser for the expression language.
///
///     expr    := cond ('where' cond)?
///     cond    := 'if' expr 'then' expr 'else' expr | or
///     or      := and ('or' and)*          and := not ('and' not)*
///     not     := 'not' not | compare      compare := sum (op sum | 'in' sum | 'not' 'in' sum)?
///     sum     := product (('+'|'-') product)*       product := unary (('*'|'/') unary)*
///     unary   := '-' unary | primary
///     primary := number | date | string | true | false | name ('.' name)* | name '(' args ')'
///              | '(' expr ')' | '[' items ']'
public struct Parser {
    var tokens: [Token]
    var position = 0
    var depth = 0
    public static let maxDepth = 64
    /// The most tokens one expression may have. A chain (`a and b and …`, `a + b + …`) is a tree
    /// as deep as it is long, and every later stage walks trees by recursion: bounding the
    /// length bounds the depth (with `maxDepth`), so no rule file can overflow a stack. The
    /// bundled rules' longest expression has well under a hundred.
    public static let maxTokens = 1_000

    public static func parse(_ text: String) -> Result<Expr, SyntaxError> {
        switch Lexer(text).tokens() {
        case .failure(let e): return .failure(e)
        case .success(let tokens) where tokens.count > maxTokens + 1:  // the last token is the end
            return .failure(SyntaxError(
                message: "表达式太长：超过\(maxTokens)个记号（名称、数、运算符各算一个）", range: tokens[maxTokens].range,
                help: "把它拆成几个有名字的 `let` 值，或把并列的条件写成 `all:` / `any:` 列表"))
        case .success(let tokens):
            var parser = Parser(tokens: tokens)
            do {
                let expr = try parser.expression()
                guard case .end = parser.current.kind else {
                    throw SyntaxError(
                        message: "unexpected `\(parser.current.text)` after a complete expression",
                        range: parser.current.range, help: "join conditions with `and` or `or`")
                }
                return .success(expr)
            } catch let e as SyntaxError {
                return .failure(e)
            } catch {
                return .failure(SyntaxError(message: "\(error)", range: 0..<0, help: nil))
            }
        }
    }

    var current: Token { tokens[position] }

    mutating func advance() -> Token {
        let t = tokens[position]
        if position < tokens.count - 1 { position += 1 }
        return t
    }

    func isKeyword(_ k: Token.Keyword) -> Bool { current.kind == .keyword(k) }
    func isSymbol(_ s: String) -> Bool { current.kind == .symbol(s) }

    mutating func expect(_ s: String, after what: String) throws {
        guard isSymbol(s) else {
            throw SyntaxError(message: "expected `\(s)` \(what), found \(found)", range: current.range, help: nil)
        }
        _ = advance()
    }

    var found: String {
        if case .end = current.kind { return "the end of the expression" }
        return "`\(current.text)`"
    }

    mutating func nested<T>(_ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Parser.maxDepth else {
            throw SyntaxError(message: "this expression nests more than \(Parser.maxDepth) levels deep", range: current.range, help: "split it into named `let` values")
        }
        return try body(&self)
    }

    mutating func expression() throws -> Expr {
        try nested { p in
            let source = try p.conditional()
            guard p.isKeyword(.where) else { return source }
            _ = p.advance()
            let condition = try p.conditional()
            return Expr(.filter(source, condition), source.range.lowerBound..<condition.range.upperBound)
        }
    }

    mutating func conditional() throws -> Expr {
        guard isKeyword(.if) else { return try or() }
        let start = advance().range.lowerBound
        let test = try expression()
        guard isKeyword(.then) else { throw SyntaxError(message: "expected `then` after the condition of `if`, found \(found)", range: current.range, help: "write `if 条件 then 值 else 值`") }
        _ = advance()
        let yes = try expression()
        guard isKeyword(.else) else { throw SyntaxError(message: "expected `else`, found \(found)", range: current.range, help: "every `if` needs an `else`") }
        _ = advance()
        let no = try expression()
        return Expr(.conditional(test, yes, no), start..<no.range.upperBound)
    }

    mutating func or() throws -> Expr {
        try leftAssociative({ $0.kind == .keyword(.or) ? "or" : nil }) { try $0.and() }
    }

    mutating func and() throws -> Expr {
        try leftAssociative({ $0.kind == .keyword(.and) ? "and" : nil }) { try $0.not() }
    }

    /// `operand (op operand)*`, grouped to the left; `op` names the operator of a token, if it is one.
    mutating func leftAssociative(_ op: (Token) -> String?, _ operand: (inout Parser) throws -> Expr) throws -> Expr {
        var left = try operand(&self)
        while let name = op(current) {
            _ = advance()
            let right = try self.operand(after: name, operand)
            left = Expr(.binary(name, left, right), left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    mutating func not() throws -> Expr {
        guard isKeyword(.not) else { return try compare() }
        let start = advance().range.lowerBound
        let inner = try nested { try $0.not() }
        return Expr(.unary("not", inner), start..<inner.range.upperBound)
    }

    mutating func compare() throws -> Expr {
        let left = try sum()
        var op: String?
        if case .symbol(let s) = current.kind, ["<", "<=", ">", ">=", "==", "!="].contains(s) { op = s }
        if isKeyword(.in) { op = "in" }
        if isKeyword(.not), position + 1 < tokens.count, tokens[position + 1].kind == .keyword(.in) {
            _ = advance()
            op = "not in"
        }
        guard let op else { return left }
        _ = advance()
        let right = try operand(after: op) { try $0.sum() }
        return Expr(.binary(op, left, right), left.range.lowerBound..<right.range.upperBound)
    }

    mutating func sum() throws -> Expr {
        try leftAssociative({ $0.kind == .symbol("+") || $0.kind == .symbol("-") ? $0.text : nil }) { try $0.product() }
    }

    mutating func product() throws -> Expr {
        try leftAssociative({ $0.kind == .symbol("*") || $0.kind == .symbol("/") ? $0.text : nil }) { try $0.unary() }
    }

    mutating func unary() throws -> Expr {
        guard isSymbol("-") else { return try primary() }
        let start = advance().range.lowerBound
        let inner = try nested { try $0.unary() }
        return Expr(.unary("-", inner), start..<inner.range.upperBound)
    }

    mutating func operand(after op: String, _ parse: (inout Parser) throws -> Expr) throws -> Expr {
        if case .end = current.kind {
            throw SyntaxError(message: "expected a value after `\(op)`, found the end of the expression", range: current.range, help: nil)
        }
        return try parse(&self)
    }

    mutating func primary() throws -> Expr {
        let token = current
        switch token.kind {
        case .number(let s):
            _ = advance()
            return Expr(.number(s), token.range)
        case .date(let s):
            _ = advance()
            return Expr(.date(s), token.range)
        case .string(let s):
            _ = advance()
            return Expr(.string(s), token.range)
        case .keyword(.true), .keyword(.false):
            _ = advance()
            return Expr(.bool(token.kind == .keyword(.true)), token.range)
        case .identifier(let name):
            _ = advance()
            if isSymbol("(") {
                _ = advance()
                var args: [Expr] = []
                if !isSymbol(")") {
                    repeat {
                        if isSymbol(",") { _ = advance() }
                        args.append(try expression())
                    } while isSymbol(",")
                }
                let end = current.range.upperBound
                try expect(")", after: "to close the arguments of `\(name)(`")
                return Expr(.call(name, args), token.range.lowerBound..<end)
            }
            var parts = [name]
            var end = token.range.upperBound
            while isSymbol(".") {
                _ = advance()
                guard case .identifier(let next) = current.kind else {
                    throw SyntaxError(message: "expected a name after `.`, found \(found)", range: current.range, help: nil)
                }
                end = advance().range.upperBound
                parts.append(next)
            }
            return Expr(.name(parts), token.range.lowerBound..<end)
        case .symbol("("):
            _ = advance()
            let inner = try expression()
            try expect(")", after: "to close `(`")
            return inner
        case .symbol("["):
            let start = advance().range.lowerBound
            var items: [Expr] = []
            if !isSymbol("]") {
                repeat {
                    if isSymbol(",") { _ = advance() }
                    items.append(try expression())
                } while isSymbol(",")
            }
            let end = current.range.upperBound
            try expect("]", after: "to close the list")
            return Expr(.list(items), start..<end)
        default:
            throw SyntaxError(message: "expected a value, found \(found)", range: token.range, help: nil)
        }
    }
}
