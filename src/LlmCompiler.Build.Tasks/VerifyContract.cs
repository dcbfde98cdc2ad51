using LlmCompiler.Validation;
using Microsoft.Build.Framework;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Runs every contract check on the project's work orders (and the manifest beside them) and reports each
/// finding at its JSON position. Thin adapter over <see cref="ContractCheck"/>, which the out-of-process verifier (llmc-verify) calls too.
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
        var files = WorkOrders.Select(item => item.GetMetadata("FullPath")).Where(p => p.Length > 0).ToList();
        if (files.Count == 0)
        {
            Log.LogMessage(MessageImportance.Normal, "VerifyContract: no work orders to verify.");
            return true;
        }
        var result = ContractCheck.RunAsync(files, Manifest, RepoRoot, ProjectDirectory, new ValidationOptions { CheckPythonSyntax = CheckPythonSyntax }, CancellationToken)
            .GetAwaiter().GetResult();
        CancellationToken.ThrowIfCancellationRequested();
        if (result.Baseline is { } baseline)
        {
            Log.LogMessage(MessageImportance.Low, "VerifyContract: repository files from the {0} ({1} files).", baseline.Description, baseline.Files.Count);
        }

        foreach (var diagnostic in result.Diagnostics) MSBuildDiagnosticLogger.Report(Log, diagnostic);
        ErrorCount = result.ErrorCount;
        WarningCount = result.WarningCount;
        if (result.WorkOrderCount > 0) Log.LogMessage(MessageImportance.High, "{0}", result.Summary);
        return ErrorCount == 0;
    }
}
