using LlmCompiler.Contracts;

namespace LlmCompiler.Validation;

/// <summary>A plan checked against the repository it runs on: what was read, what was found, against which files.</summary>
public sealed record PlanVerification(PlanDocument Document, ValidationResult Result, PlanBaseline Baseline);

/// <summary>
/// "Load, then resolve the baseline, then validate": the one sequence <c>llmc verify</c>, the <c>VerifyContract</c>
/// task and the factory's preflight share, so the three can never judge the same plan differently.
/// </summary>
public static class PlanVerifier
{
    /// <param name="explicitRepoRoot">The repository the caller named; null or empty to use the git top level above <paramref name="startDirectory"/>.</param>
    /// <returns>The verification, or the reason the repository could not be used.</returns>
    public static async Task<(PlanVerification? Verification, string? Error)> VerifyAsync(
        PlanDocument document, string? explicitRepoRoot, string startDirectory, ValidationOptions? options = null, CancellationToken ct = default)
    {
        var plan = document.WorkOrders.Select(w => w.Value).ToList();
        var (baseline, error) = await PlanBaseline.ResolveAsync(explicitRepoRoot, startDirectory, plan, ct).ConfigureAwait(false);
        if (error is not null) return (null, error);
        var result = PlanValidator.Validate(document, (options ?? ValidationOptions.Default).With(baseline));
        return (new PlanVerification(document, result, baseline), null);
    }
}
