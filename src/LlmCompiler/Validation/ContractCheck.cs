using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Reporting;

namespace LlmCompiler.Validation;

/// <summary>What a build's contract check found, and what it was run on.</summary>
/// <param name="Diagnostics">Every finding; a file that could not be read or a repository that could not be used is one E501 or E500.</param>
/// <param name="WorkOrderCount">Work orders checked (0 when nothing was loaded).</param>
/// <param name="UsedManifest">Whether the manifest beside the work orders took part.</param>
public sealed record ContractCheckResult(IReadOnlyList<Diagnostic> Diagnostics, int WorkOrderCount, bool UsedManifest, PlanBaseline? Baseline)
{
    public int ErrorCount => Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);

    public int WarningCount => Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);

    /// <summary>The closing line both build routes print.</summary>
    public string Summary => $"VerifyContract: {WorkOrderCount} work order(s){(UsedManifest ? " and the manifest" : "")}: {ErrorCount} error(s), {WarningCount} warning(s).";
}

/// <summary>
/// The build's <c>VerifyContract</c> step: the in-process MSBuild task and the out-of-process verifier (Visual Studio's
/// route, <c>llmc-verify</c>) both call this, so the two routes cannot judge or word the same plan differently.
/// </summary>
public static class ContractCheck
{
    /// <param name="workOrderFiles">The WorkOrder items, absolute.</param>
    /// <param name="manifest">The manifest path; ignored when empty or missing.</param>
    /// <param name="repoRoot">The repository named by the build, or empty for the git top level above <paramref name="projectDirectory"/>.</param>
    /// <param name="projectDirectory">Where to look for the repository; empty means the first work order's folder.</param>
    public static async Task<ContractCheckResult> RunAsync(IReadOnlyList<string> workOrderFiles, string? manifest, string? repoRoot, string? projectDirectory,
        ValidationOptions? options = null, CancellationToken ct = default)
    {
        var files = workOrderFiles.Where(p => !string.IsNullOrWhiteSpace(p)).Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return new([], 0, false, null);
        var manifestFile = string.IsNullOrWhiteSpace(manifest) ? null : Path.GetFullPath(manifest);
        if (manifestFile is not null && !File.Exists(manifestFile)) manifestFile = null;

        var loaded = PlanLoader.LoadFiles(files, manifestFile);
        if (!loaded.Success) return new([DiagnosticCatalog.Create(DiagnosticCodes.InputUnreadable, loaded.IoError!)], 0, manifestFile is not null, null);
        ct.ThrowIfCancellationRequested();

        var start = string.IsNullOrWhiteSpace(projectDirectory) ? Path.GetDirectoryName(files[0])! : projectDirectory;
        var (verification, baselineError) = await PlanVerifier.VerifyAsync(loaded.Document!, repoRoot, start, options, ct).ConfigureAwait(false);
        if (baselineError is not null)
        {
            return new([DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"LlmcRepoRoot: {baselineError}", field: "LlmcRepoRoot")], 0, manifestFile is not null, null);
        }
        return new(verification!.Result.Diagnostics, loaded.Document!.WorkOrders.Count, manifestFile is not null, verification.Baseline);
    }

    /// <summary>The message as the build shows it: prefixed with its work order when the message does not name it.</summary>
    public static string BuildMessage(Diagnostic diagnostic) =>
        string.IsNullOrEmpty(diagnostic.WoId) || diagnostic.Message.Contains(diagnostic.WoId, StringComparison.Ordinal)
            ? diagnostic.Message
            : $"{diagnostic.WoId}: {diagnostic.Message}";

    /// <summary>
    /// The MSBuild canonical line of a finding (<c>/abs/WO-02.json(7,9): error E005: WO-02: …</c>, or <c>llmc: error E501: …</c>
    /// without a file), with the same message as <see cref="BuildMessage"/>: MSBuild turns it into the same error event the
    /// in-process task logs. Control characters are escaped so plan text cannot forge a second line.
    /// </summary>
    public static string CanonicalLine(Diagnostic diagnostic)
    {
        var severity = diagnostic.Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "message",
        };
        var location = diagnostic.File is null ? "llmc" : diagnostic.Line > 0 ? $"{Path.GetFullPath(diagnostic.File)}({diagnostic.Line},{diagnostic.Column})" : Path.GetFullPath(diagnostic.File);
        return TextReporter.OneLine($"{location}: {severity} {diagnostic.Code}: {BuildMessage(diagnostic)}");
    }
}
