using LlmCompiler.Diagnostics;

namespace LlmCompiler.Validation;

/// <summary>
/// Outcome of validating a plan. <see cref="Diagnostics"/> is in the order of the original's §2.1: structural
/// errors (emission order), then chain errors, then warnings and information.
/// </summary>
public sealed record ValidationResult(IReadOnlyList<Diagnostic> Diagnostics, IReadOnlyDictionary<string, bool> VerifyExempt)
{
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);

    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning);

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>The work orders in layers that can run at once (<see cref="PlanGraph.Layers"/>); one per layer for a sequential plan.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Schedule { get; init; } = [];
}

/// <summary>Knobs of a validation run.</summary>
public sealed record ValidationOptions
{
    /// <summary>Files that exist before the plan runs (see <see cref="RepoListing"/>); empty when no repo is given.</summary>
    public IReadOnlySet<string> RepoFiles { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Check <c>python -c</c> code with a Python interpreter when one is on PATH (E006).</summary>
    public bool CheckPythonSyntax { get; init; } = true;

    /// <summary>The interpreter for E006; null = the first <c>python3</c>/<c>python</c> on PATH.</summary>
    public string? PythonInterpreter { get; init; }

    /// <summary>Work orders that landed in an earlier version (id → landing commit): W104, judged as landed.</summary>
    public IReadOnlyDictionary<string, string> EditedAfterLanding { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Options for validating against <paramref name="baseline"/>: its files and its edited landed work orders.</summary>
    public ValidationOptions With(PlanBaseline baseline) => this with { RepoFiles = baseline.Files, EditedAfterLanding = baseline.EditedAfterLanding };

    public static ValidationOptions Default { get; } = new();
}
