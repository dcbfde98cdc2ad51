using System.Collections.Frozen;

namespace LlmCompiler.Diagnostics;

/// <summary>One row of the code table. Codes never change meaning once shipped.</summary>
public sealed record DiagnosticDescriptor(string Code, DiagnosticSeverity Severity, string Title, string Stage);

/// <summary>
/// Every diagnostic code the product can emit. <c>docs/diagnostics.md</c> documents each one under an
/// anchor equal to the lower-cased code; a test keeps the two in step, and <see cref="DiagnosticHelp"/> carries
/// that text inside the engine.
/// </summary>
public static class DiagnosticCatalog
{
    /// <summary>
    /// Where the published <c>docs/diagnostics.md</c> lives, the base of every help link; the one place to set it.
    /// Null because the project has no public home yet: IDEs (MSBuild's help link) and code-scanning UIs (SARIF
    /// <c>helpUri</c>) show the link to users, and a link that resolves nowhere is worse than none. The help text
    /// itself does not depend on it: SARIF embeds it from the docs (<see cref="DiagnosticHelp"/>).
    /// </summary>
    public static string? HelpBaseUri => null;

    private static readonly DiagnosticDescriptor[] All =
    [
        // Structural (per work order / per document)
        new("E000", DiagnosticSeverity.Error, "Malformed document structure", "contract"),
        new("E001", DiagnosticSeverity.Error, "Work-order id is malformed or not contiguous", "contract"),
        new("E003", DiagnosticSeverity.Error, "Shell operator in an acceptance command", "contract"),
        new("E004", DiagnosticSeverity.Error, "Glob character in a file list", "contract"),
        new("E005", DiagnosticSeverity.Error, "Schema violation", "contract"),
        new("E006", DiagnosticSeverity.Error, "Python syntax error in a python -c acceptance command", "contract"),
        new("E007", DiagnosticSeverity.Error, "Acceptance command cannot be tokenised", "contract"),
        new("I006", DiagnosticSeverity.Info, "Python syntax checks skipped", "contract"),
        // Chain (across work orders)
        new("E101", DiagnosticSeverity.Error, "Precondition cannot hold at this point of the plan", "contract"),
        new("E102", DiagnosticSeverity.Error, "Contradictory preconditions", "contract"),
        new("E103", DiagnosticSeverity.Error, "Postcondition outside allowed_files", "contract"),
        new("E104", DiagnosticSeverity.Error, "Allowed file without a postcondition", "contract"),
        new("E105", DiagnosticSeverity.Error, "Global verify command used as an acceptance command", "contract"),
        new("E106", DiagnosticSeverity.Error, "Verify contract never satisfied by the plan", "contract"),
        new("E107", DiagnosticSeverity.Error, "depends_on names an unknown work order", "contract"),
        new("E108", DiagnosticSeverity.Error, "depends_on names the same or a later work order", "contract"),
        new("E109", DiagnosticSeverity.Error, "Concurrent work orders write the same file", "contract"),
        new("E110", DiagnosticSeverity.Error, "A concurrent work order writes what this one reads or requires", "contract"),
        new("E111", DiagnosticSeverity.Error, "Precondition holds only because of a non-ancestor", "contract"),
        new("E112", DiagnosticSeverity.Error, "A test written first is also in allowed_files", "contract"),
        new("W101", DiagnosticSeverity.Warning, "Acceptance command refers to a file the plan never creates", "contract"),
        new("W102", DiagnosticSeverity.Warning, "Unknown property", "contract"),
        new("W103", DiagnosticSeverity.Warning, "depends_on entry already implied", "contract"),
        new("W104", DiagnosticSeverity.Warning, "Work order differs from the version that landed", "contract"),
        new("W105", DiagnosticSeverity.Warning, "Context file never exists", "contract"),
        // Factory (run time)
        new("E200", DiagnosticSeverity.Error, "Repository is not usable by the factory", "factory"),
        new("E201", DiagnosticSeverity.Error, "Working tree is not clean", "factory"),
        new("E202", DiagnosticSeverity.Error, "Repository lock is held by another run", "factory"),
        new("E203", DiagnosticSeverity.Error, "verify_exempt work order refused", "factory"),
        new("E204", DiagnosticSeverity.Error, "Precondition false at run time", "factory"),
        new("E205", DiagnosticSeverity.Error, "Write outside the allowed scope", "factory"),
        new("E206", DiagnosticSeverity.Error, "Write path escapes the repository", "factory"),
        new("E207", DiagnosticSeverity.Error, "Stale base hash", "factory"),
        new("E208", DiagnosticSeverity.Error, "Write failed", "factory"),
        new("E209", DiagnosticSeverity.Error, "Global verification failed", "factory"),
        new("E210", DiagnosticSeverity.Error, "Postcondition missing after the writes", "factory"),
        new("E211", DiagnosticSeverity.Error, "Acceptance command failed", "factory"),
        new("E212", DiagnosticSeverity.Error, "Attempts exhausted", "factory"),
        new("E213", DiagnosticSeverity.Error, "Commit could not be landed on the branch", "factory"),
        new("E214", DiagnosticSeverity.Error, "Write proposal is invalid", "factory"),
        new("E215", DiagnosticSeverity.Error, "Internal error; checkout restored", "factory"),
        new("E216", DiagnosticSeverity.Error, "Run cancelled; checkout restored", "factory"),
        new("E217", DiagnosticSeverity.Error, "Sandbox required but unavailable", "factory"),
        new("E218", DiagnosticSeverity.Error, "A command changed files outside its worktree", "factory"),
        new("E219", DiagnosticSeverity.Error, "Landed work does not match what the factory checked", "factory"),
        new("E220", DiagnosticSeverity.Error, "Tests written first are not red", "factory"),
        new("E221", DiagnosticSeverity.Error, "Tests written first are red for the wrong reason", "factory"),
        new("E222", DiagnosticSeverity.Error, "Proposal writes a frozen test", "factory"),
        new("E223", DiagnosticSeverity.Error, "A frozen test changed", "factory"),
        new("E224", DiagnosticSeverity.Error, "A frozen test did not pass by name", "factory"),
        new("E225", DiagnosticSeverity.Error, "Flaky: acceptance passed, then failed on a re-run", "factory"),
        new("E226", DiagnosticSeverity.Error, "Model configuration is not valid JSON", "factory"),
        new("E227", DiagnosticSeverity.Error, "Invalid model configuration", "factory"),
        new("E228", DiagnosticSeverity.Error, "The reviewer found a critical problem", "factory"),
        new("E229", DiagnosticSeverity.Error, "Run stopped: too many failed attempts", "factory"),
        new("E230", DiagnosticSeverity.Error, "No new work: too many failed work orders", "factory"),
        new("E231", DiagnosticSeverity.Error, "Run stopped: too many transport failures", "factory"),
        new("E232", DiagnosticSeverity.Error, "Run stopped: the same failure in several work orders", "factory"),
        new("E233", DiagnosticSeverity.Error, "Not run: the run was stopped by its health budget", "factory"),
        new("E240", DiagnosticSeverity.Error, "Work order fails on the integrated tree", "factory"),
        new("E241", DiagnosticSeverity.Error, "Blocked by a work order that did not land", "factory"),
        new("E242", DiagnosticSeverity.Error, "Kept work cannot be used", "factory"),
        new("W217", DiagnosticSeverity.Warning, "Commands run without a sandbox", "factory"),
        new("W218", DiagnosticSeverity.Warning, "Stored output or artifacts were capped", "factory"),
        new("W219", DiagnosticSeverity.Warning, "Work-order trailer on a commit the factory did not make", "factory"),
        new("W220", DiagnosticSeverity.Warning, "Verification fails at the baseline", "factory"),
        new("W226", DiagnosticSeverity.Warning, "Review skipped: the budget cannot cover it", "factory"),
        new("W227", DiagnosticSeverity.Warning, "Review failed; the work order was not blocked", "factory"),
        new("W228", DiagnosticSeverity.Warning, "Reviewer finding", "factory"),
        new("W229", DiagnosticSeverity.Warning, "A hard work order without an escalation role", "factory"),
        // LLM layer
        new("E300", DiagnosticSeverity.Error, "No credentials for the endpoint", "llm"),
        new("E301", DiagnosticSeverity.Error, "LLM transport failure after retries", "llm"),
        new("E302", DiagnosticSeverity.Error, "LLM output truncated by the token limit", "llm"),
        new("E303", DiagnosticSeverity.Error, "LLM output is not parseable JSON", "llm"),
        new("E304", DiagnosticSeverity.Error, "LLM refused or the content filter stopped the answer", "llm"),
        new("E305", DiagnosticSeverity.Error, "Cassette miss in replay mode", "llm"),
        new("E306", DiagnosticSeverity.Error, "Budget exhausted", "llm"),
        new("E307", DiagnosticSeverity.Error, "LLM response too large", "llm"),
        new("E308", DiagnosticSeverity.Error, "LLM call deadline exceeded", "llm"),
        new("E309", DiagnosticSeverity.Error, "Cassette or price table file is invalid", "llm"),
        // Planner (run level)
        new("E400", DiagnosticSeverity.Error, "Output directory already holds work orders", "planner"),
        new("E401", DiagnosticSeverity.Error, "Prompt template is invalid", "planner"),
        new("E402", DiagnosticSeverity.Error, "Plan still invalid after the last attempt", "planner"),
        // Front-ends
        new("E500", DiagnosticSeverity.Error, "Invalid input or setting", "frontend"),
        new("E501", DiagnosticSeverity.Error, "Input file cannot be read", "frontend"),
        new("E502", DiagnosticSeverity.Error, "Task needs MSBuild 18 inside Visual Studio", "frontend"),
        new("E503", DiagnosticSeverity.Error, "Out-of-process verifier failed", "frontend"),
    ];

    private static readonly FrozenDictionary<string, DiagnosticDescriptor> ByCode =
        All.ToFrozenDictionary(d => d.Code, StringComparer.Ordinal);

    public static IReadOnlyList<DiagnosticDescriptor> Descriptors => All;

    public static DiagnosticDescriptor Get(string code) =>
        ByCode.TryGetValue(code, out var d) ? d : throw new ArgumentException($"Unknown diagnostic code '{code}'.", nameof(code));

    public static DiagnosticSeverity SeverityOf(string code) => Get(code).Severity;

    /// <summary>The code's anchor under <see cref="HelpBaseUri"/>, or null while there is no base.</summary>
    public static string? HelpLinkFor(string code) => HelpBaseUri is { } baseUri ? $"{baseUri}#{code.ToLowerInvariant()}" : null;

    public static Diagnostic Create(string code, string message, string? woId = null, string? field = null) =>
        new(code, SeverityOf(code), woId, field, message);
}
