/// `{% break %}` and `{% continue %}` unwind to the innermost loop as errors.
private enum LoopControl: Error { case breakLoop, continueLoop }

/// Runs a parsed template against a context, writing to `output`.
///
/// Scoping follows Jinja: each pass of a `for` loop (and each macro call) gets a fresh frame, so `{% set %}` inside
/// it neither leaks out nor carries over to the next pass, while `if` shares the enclosing frame; `namespace()` objects are references and carry values out of loops.
///
/// Every bound of `ChatTemplateLimits` is counted here (steps, recursion depth, loop passes, bytes built, output
/// and value sizes, value nesting); passing one throws `ChatTemplateError.render` naming the bound and the line.
final class JinjaEvaluator {
    private var frames: [[String: JinjaValue]]
    private(set) var output = ""
    /// Nested macro calls; a runaway recursion stops with an error instead of overflowing the stack.
    private var macroDepth = 0
    /// The UTF-8 byte ranges of `output` that `{% generation %}` blocks wrote (transformers' assistant-mask spans).
    private(set) var generationSpans: [Range<Int>] = []
    /// Nested captures (`{% set x %}` blocks, macro calls) write elsewhere than `output`, so spans opened inside
    /// them would not point into the final text; they are not recorded.
    private var captureDepth = 0
    /// The bounds of this render, and how much of each is used.
    let limits: ChatTemplateLimits
    private var steps = 0, depth = 0, loopPasses = 0, bytesBuilt = 0
    /// The line of the expression evaluated last, for errors raised between expressions.
    private var line = 1

    init(globals: [String: JinjaValue], limits: ChatTemplateLimits = .standard) {
        frames = [globals]
        self.limits = limits
    }

    private func overLimit(_ message: String) -> ChatTemplateError { .render(line: line, message: message) }

    /// Counts one statement or expression and one level of nesting; the caller undoes the nesting with `leave()`.
    private func enter() throws {
        steps += 1
        depth += 1
        guard steps <= limits.maxSteps, depth <= limits.maxDepth else {
            depth -= 1
            if steps > limits.maxSteps { throw overLimit("the template runs more than \(limits.maxSteps) steps") }
            throw overLimit("the template nests more than \(limits.maxDepth) statements, expressions and macro calls deep")
        }
    }

    private func leave() { depth -= 1 }

    private func checkOutput() throws {
        let bound = min(limits.maxOutputBytes, ChatTemplateLimits.maxStringBytes)
        guard output.utf8.count <= bound else { throw overLimit("the output is longer than \(bound) bytes") }
    }

    /// A produced value within the size bounds, its size added to the bytes built.
    private func bounded(_ v: JinjaValue) throws -> JinjaValue {
        let size: Int
        switch v {
        case let .string(s): size = s.utf8.count; try JinjaBounds.checkString(size, "this expression")
        case let .list(l), let .tuple(l): size = l.count; try JinjaBounds.checkItems(size, "this expression")
        case let .dict(d): size = d.count; try JinjaBounds.checkItems(size, "this expression")
        default: return v
        }
        bytesBuilt += size
        guard bytesBuilt <= limits.maxBytesBuilt else {
            throw JinjaFailure("the template builds more than \(limits.maxBytesBuilt) bytes of strings and lists")
        }
        return v
    }

    /// A value about to be stored or passed on, refused when it nests too deep (or contains itself).
    private func shallow(_ v: JinjaValue, line: Int) throws -> JinjaValue {
        switch v {
        case .list, .tuple, .dict, .namespace:
            if JinjaBounds.nests(v, deeperThan: limits.maxValueDepth) {
                throw ChatTemplateError.render(line: line, message: "a value nests more than \(limits.maxValueDepth) levels deep (or contains itself)")
            }
        default: break
        }
        return v
    }

    private func countPass() throws {
        loopPasses += 1
        guard loopPasses <= limits.maxLoopPasses else { throw overLimit("the template's loops run more than \(limits.maxLoopPasses) passes") }
    }

    // MARK: statements

    func run(_ nodes: [JinjaNode]) throws {
        for node in nodes { try run(node) }
    }

    private func run(_ node: JinjaNode) throws {
        try enter()
        defer { leave() }
        switch node {
        case let .text(t):
            output += t
            try checkOutput()
        case let .output(e):
            output += try evaluate(e).pythonString
            try checkOutput()
        case let .ifChain(branches, otherwise):
            for (condition, body) in branches {
                if try evaluate(condition).isTruthy {
                    try run(body)
                    return
                }
            }
            try run(otherwise)
        case let .forLoop(target, iterable, condition, body, otherwise, line):
            try runFor(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, line: line)
        case let .set(target, value, line):
            let v = try shallow(try evaluate(value), line: line)
            try assign(target, v, line: line)
        case let .setBlock(name, body):
            let saved = output
            output = ""
            captureDepth += 1
            defer { captureDepth -= 1 }
            try run(body)
            let rendered = output
            output = saved
            frames[frames.count - 1][name] = .string(rendered)
        case let .macro(name, parameters, body):
            frames[frames.count - 1][name] = .function(makeMacro(name: name, parameters: parameters, body: body))
        case .breakLoop: throw LoopControl.breakLoop
        case .continueLoop: throw LoopControl.continueLoop
        case let .generation(body):
            let start = output.utf8.count
            try run(body)
            if captureDepth == 0 && macroDepth == 0 { generationSpans.append(start..<output.utf8.count) }
        }
    }

    private func assign(_ target: JinjaTarget, _ value: JinjaValue, line: Int) throws {
        switch target {
        case let .names(names):
            if names.count == 1 { frames[frames.count - 1][names[0]] = value; return }
            let items = try wrap(line) { try value.iterated() }
            guard items.count == names.count else {
                throw ChatTemplateError.render(line: line, message: "cannot unpack \(items.count) values into \(names.count) names")
            }
            for (n, v) in zip(names, items) { frames[frames.count - 1][n] = v }
        case let .attribute(object, attribute):
            guard case let .namespace(ns) = lookup(object) else {
                throw ChatTemplateError.render(line: line, message: "cannot assign attribute '\(attribute)' on '\(object)': it is not a namespace")
            }
            if JinjaBounds.nests(value, deeperThan: limits.maxValueDepth, orHolds: ns) {
                throw ChatTemplateError.render(line: line, message: "cannot store a value holding '\(object)' in '\(object).\(attribute)' (or one nesting more than \(limits.maxValueDepth) levels deep)")
            }
            ns.dict[attribute] = value
        }
    }

    private func runFor(target: [String], iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode],
                        otherwise: [JinjaNode], line: Int) throws {
        var items = try wrap(line) { try evaluate(iterable).iterated() }
        frames.append([:])
        defer { frames.removeLast() }
        if let condition {
            items = try items.filter { item in
                try countPass()
                try bind(target, item, line: line)
                return try evaluate(condition).isTruthy
            }
        }
        if items.isEmpty {
            try run(otherwise)
            return
        }
        let n = items.count
        for (index, item) in items.enumerated() {
            // Each pass starts from the enclosing scope again: a `set` in one iteration is not seen by the next.
            frames[frames.count - 1] = [:]
            try countPass()
            try bind(target, item, line: line)
            var loop = JinjaDict()
            loop["index"] = .int(index + 1)
            loop["index0"] = .int(index)
            loop["revindex"] = .int(n - index)
            loop["revindex0"] = .int(n - index - 1)
            loop["first"] = .bool(index == 0)
            loop["last"] = .bool(index == n - 1)
            loop["length"] = .int(n)
            loop["previtem"] = index > 0 ? items[index - 1] : .undefined("there is no previous item")
            loop["nextitem"] = index + 1 < n ? items[index + 1] : .undefined("there is no next item")
            loop["cycle"] = .function(JinjaFunction(name: "loop.cycle") { args, _ in
                args.isEmpty ? .undefined("no items to cycle") : args[index % args.count]
            })
            frames[frames.count - 1]["loop"] = .dict(loop)
            do {
                try run(body)
            } catch LoopControl.breakLoop {
                break
            } catch LoopControl.continueLoop {
                continue
            }
        }
    }

    private func bind(_ target: [String], _ item: JinjaValue, line: Int) throws {
        if target.count == 1 { frames[frames.count - 1][target[0]] = item; return }
        let parts = try wrap(line) { try item.iterated() }
        guard parts.count == target.count else {
            throw ChatTemplateError.render(line: line, message: "cannot unpack \(parts.count) values into \(target.count) loop variables")
        }
        for (n, v) in zip(target, parts) { frames[frames.count - 1][n] = v }
    }

    private func makeMacro(name: String, parameters: [(String, JinjaExpr?)], body: [JinjaNode]) -> JinjaFunction {
        JinjaFunction(name: name) { [unowned self] args, kwargs in
            guard args.count <= parameters.count else {
                throw JinjaFailure("macro '\(name)' takes \(parameters.count) arguments, \(args.count) given")
            }
            var frame: [String: JinjaValue] = [:]
            for (i, (parameter, defaultValue)) in parameters.enumerated() {
                if i < args.count { frame[parameter] = try self.shallow(args[i], line: self.line) }
                else if let v = kwargs[parameter] { frame[parameter] = try self.shallow(v, line: self.line) }
                else if let defaultValue { frame[parameter] = try self.evaluate(defaultValue) }
                else { frame[parameter] = .undefined("parameter '\(parameter)' was not provided") }
            }
            for key in kwargs.keys where !parameters.contains(where: { $0.0 == key }) {
                throw JinjaFailure("macro '\(name)' takes no keyword argument '\(key)'")
            }
            guard self.macroDepth < 100 else { throw JinjaFailure("macro '\(name)' nests more than 100 calls deep") }
            let savedFrames = self.frames, savedOutput = self.output
            self.frames = [self.frames[0], frame]
            self.output = ""
            self.macroDepth += 1
            defer { self.frames = savedFrames; self.output = savedOutput; self.macroDepth -= 1 }
            try self.run(body)
            return .string(self.output)
        }
    }

    // MARK: expressions

    /// Evaluates `e`, turning a bare failure into an error that names `e`'s line.
    func evaluate(_ e: JinjaExpr) throws -> JinjaValue {
        try wrap(e.line) { try eval(e) }
    }

    private func wrap<T>(_ line: Int, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let failure as JinjaFailure {
            throw ChatTemplateError.render(line: line, message: failure.message)
        }
    }

    func lookup(_ name: String) -> JinjaValue {
        for frame in frames.reversed() { if let v = frame[name] { return v } }
        return .undefined("'\(name)' is undefined")
    }

    private func eval(_ e: JinjaExpr) throws -> JinjaValue {
        line = e.line
        try enter()
        defer { leave() }
        switch e.kind {
        case let .literal(v): return v
        case let .name(n): return lookup(n)
        case let .list(items): return try bounded(.list(try items.map(eval)))
        case let .tuple(items): return try bounded(.tuple(try items.map(eval)))
        case let .dict(pairs):
            var d = JinjaDict()
            for (k, v) in pairs {
                let key = try eval(k)
                guard case let .string(s) = key else { throw JinjaFailure("dict keys must be strings, got \(key.typeName)") }
                d[s] = try eval(v)
            }
            return try bounded(.dict(d))
        case let .attribute(base, name): return try JinjaAccess.attribute(try eval(base), name)
        case let .item(base, index): return try JinjaAccess.item(try eval(base), try eval(index))
        case let .slice(base, start, stop, step):
            return try bounded(JinjaAccess.slice(try eval(base), try start.map(eval), try stop.map(eval), try step.map(eval)))
        case let .call(callee, args, kwargs):
            let f = try eval(callee)
            let a = try args.map(eval)
            var k = JinjaDict()
            for (n, v) in kwargs { k[n] = try eval(v) }
            guard case let .function(function) = f else {
                if case let .undefined(hint) = f { throw JinjaFailure(hint) }
                throw JinjaFailure("'\(f.typeName)' object is not callable")
            }
            return try bounded(function.call(a, k))
        case let .filter(value, name, args, kwargs):
            let v = try eval(value)
            let a = try args.map(eval)
            var k = JinjaDict()
            for (n, x) in kwargs { k[n] = try eval(x) }
            guard let filter = JinjaFilters.table[name] else { throw ChatTemplateError.unknownFilter(name: name, line: e.line) }
            return try bounded(filter(v, a, k, self))
        case let .test(value, name, args, negated):
            let v = try eval(value)
            let a = try args.map(eval)
            guard let test = JinjaIsTests.table[name] else { throw ChatTemplateError.unknownTest(name: name, line: e.line) }
            return .bool(try test(v, a) != negated)
        case let .unary(op, operand):
            let v = try eval(operand)
            if op == "+" { guard v.numericValue != nil else { throw JinjaFailure("bad operand type for unary +: '\(v.typeName)'") }; return v }
            switch v {
            case let .int(i): return i == Int.min ? .float(-Double(i)) : .int(-i)
            case let .bool(b): return .int(b ? -1 : 0)
            case let .float(d): return .float(-d)
            default: throw JinjaFailure("bad operand type for unary -: '\(v.typeName)'")
            }
        case let .binary(op, l, r): return try bounded(JinjaOperators.binary(op, try eval(l), try eval(r)))
        case let .compare(first, chain):
            var left = try eval(first)
            for (op, rightExpr) in chain {
                let right = try eval(rightExpr)
                guard try JinjaOperators.compare(op, left, right) else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case let .and(l, r):
            let left = try eval(l)
            return left.isTruthy ? try eval(r) : left
        case let .or(l, r):
            let left = try eval(l)
            return left.isTruthy ? left : try eval(r)
        case let .not(x): return .bool(!(try eval(x).isTruthy))
        case let .conditional(body, condition, otherwise):
            if try eval(condition).isTruthy { return try eval(body) }
            return try otherwise.map(eval) ?? .undefined("the inline if has no else")
        }
    }
}
