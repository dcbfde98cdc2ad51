using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Validation;
using Microsoft.Build.Framework;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Runs every contract check on the project's work orders (and the manifest beside them) and reports each
/// finding at its JSON position. Thin adapter over <see cref="PlanLoader"/> and <see cref="PlanValidator"/>.
/// </summary>
public sealed class VerifyContract : LlmcTask
{
    /// <summary>The <c>WorkOrder</c> items; an empty list is reported as nothing to verify.</summary>
    public ITaskItem[] WorkOrders { get; set; } = [];

    /// <summary>Optional <c>WORK_ORDERS_MANIFEST.json</c> supplying the verify contract; ignored when it does not exist.</summary>
    public string? Manifest { get; set; }

    /// <summary>Repository root (<c>$(LlmcRepoRoot)</c>); empty means the git top level above <see cref="ProjectDirectory"/>.</summary>
    public string? RepoRoot { get; set; }

    /// <summary>Where to start looking for the repository when <see cref="RepoRoot"/> is empty.</summary>
    public string? ProjectDirectory { get; set; }

    /// <summary>Check <c>python -c</c> acceptance code when a Python interpreter is on PATH (E006).</summary>
    public bool CheckPythonSyntax { get; set; } = true;

    [Output] public int ErrorCount { get; private set; }

    [Output] public int WarningCount { get; private set; }

    protected override bool ExecuteCore()
    {
        var files = WorkOrders.Select(item => item.GetMetadata("FullPath")).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            Log.LogMessage(MessageImportance.Normal, "VerifyContract: no work orders to verify.");
            return true;
        }
        var manifest = string.IsNullOrWhiteSpace(Manifest) ? null : Path.GetFullPath(Manifest!);
        if (manifest is not null && !File.Exists(manifest)) manifest = null;

        var loaded = PlanLoader.LoadFiles(files, manifest);
        if (!loaded.Success)
        {
            Log.LogError(null, DiagnosticCodes.InputUnreadable, DiagnosticCodes.InputUnreadable, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.InputUnreadable), null, 0, 0, 0, 0, "{0}", loaded.IoError);
            return false;
        }
        CancellationToken.ThrowIfCancellationRequested();

        var document = loaded.Document!;
        var start = string.IsNullOrWhiteSpace(ProjectDirectory) ? Path.GetDirectoryName(files[0])! : ProjectDirectory!;
        var (verification, baselineError) = PlanVerifier.VerifyAsync(document, RepoRoot, start, new ValidationOptions { CheckPythonSyntax = CheckPythonSyntax }, CancellationToken).GetAwaiter().GetResult();
        if (baselineError is not null)
        {
            Log.LogError(null, DiagnosticCodes.InvalidSetting, DiagnosticCodes.InvalidSetting, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.InvalidSetting), null, 0, 0, 0, 0, "LlmcRepoRoot: {0}", baselineError);
            return false;
        }
        var (_, result, baseline) = verification!;
        Log.LogMessage(MessageImportance.Low, "VerifyContract: repository files from the {0} ({1} files).", baseline.Description, baseline.Files.Count);
        CancellationToken.ThrowIfCancellationRequested();

        foreach (var diagnostic in result.Diagnostics) MSBuildDiagnosticLogger.Report(Log, diagnostic);
        ErrorCount = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        WarningCount = result.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
        Log.LogMessage(MessageImportance.High, "VerifyContract: {0} work order(s){1}: {2} error(s), {3} warning(s).",
            document.WorkOrders.Count, manifest is null ? "" : " and the manifest", ErrorCount, WarningCount);
        return ErrorCount == 0;
    }
}
