using System.Globalization;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory;
using LlmCompiler.Llm;
using LlmCompiler.Validation;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Executes the plan's work orders in order with the factory's run-all semantics: work orders already landed
/// (their canonical hash is in a <c>Work-Order-Sha256:</c> trailer) are skipped without an LLM call, the run stops
/// at the first failure, and a cancelled build restores the checkout. One message per work order.
/// </summary>
public sealed class ExecuteWorkOrder : LlmcEngineTask
{
    /// <summary>The <c>WorkOrder</c> items: used to put each failure at its work order's file.</summary>
    public ITaskItem[] WorkOrders { get; set; } = [];

    /// <summary>The plan directory (<c>$(LlmcWorkOrdersDir)</c>), run as a whole.</summary>
    [Required]
    public string WorkOrdersDirectory { get; set; } = "";

    /// <summary>One item per work order looked at, with Verdict, Attempts, InputTokens, OutputTokens, CostUsd, Commit metadata.</summary>
    [Output]
    public ITaskItem[] Outcomes { get; private set; } = [];

    protected override bool ExecuteCore()
    {
        var settings = ReadSettings();
        if (settings is null) return false;
        var projectDirectory = string.IsNullOrWhiteSpace(ProjectDirectory) ? Directory.GetCurrentDirectory() : ProjectDirectory!;
        var repo = RepositoryLocator.FindAsync(RepoRoot, projectDirectory, CancellationToken).GetAwaiter().GetResult();
        if (repo.Error is not null)
        {
            Log.LogError(null, "E200", "E200", DiagnosticCatalog.HelpLinkFor("E200"), null, 0, 0, 0, 0, "{0}", repo.Error);
            return false;
        }

        settings = settings.ForRepository(repo.Root);
        var llmSettings = settings.ToLlmSettings(repo.Root, out var ledgerError);
        if (ledgerError is not null)
        {
            MSBuildDiagnosticLogger.Report(Log, ledgerError);
            return false;
        }
        var (session, sessionErrors) = LlmSession.Create(llmSettings);
        if (session is null)
        {
            foreach (var d in sessionErrors) MSBuildDiagnosticLogger.Report(Log, d);
            return false;
        }

        var options = new FactoryOptions
        {
            MaxAttempts = settings.MaxAttempts ?? new FactoryOptions().MaxAttempts,
            CommandTimeout = settings.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : new FactoryOptions().CommandTimeout,
            VerifyCommandOverride = VerifyArgv(settings.VerifyCommand),
            ApiKeyVariable = settings.ApiKeyEnvironmentVariable,
            OutDir = settings.ArtifactsDirectory,
            Model = llmSettings.Model,
            Temperature = llmSettings.Temperature,
            Sandbox = settings.Sandbox,
            CassettesDirectory = settings.CassettesDirectory,
        };
        if (settings.VerifyCommand is not null && options.VerifyCommandOverride is null) return false;

        var files = WorkOrders.ToDictionary(i => Path.GetFileNameWithoutExtension(i.ItemSpec), i => i.GetMetadata("FullPath"), StringComparer.Ordinal);
        var outcomes = new List<ITaskItem>();
        var engine3 = BuildEngine as IBuildEngine3;
        using var log = new TaskLogWriter(Log, MessageImportance.Low);
        engine3?.Yield();
        RunAllOutcome result;
        try
        {
            result = FactoryRunner.RunAllAsync(repo.Root!, Path.GetFullPath(Path.Combine(projectDirectory, WorkOrdersDirectory)),
                () => session, options, log, outcome => Report(outcome, files, outcomes), CancellationToken).GetAwaiter().GetResult();
        }
        finally
        {
            engine3?.Reacquire();
        }
        Outcomes = [.. outcomes];
        foreach (var d in result.Diagnostics.Where(d => !outcomes.Any(o => o.GetMetadata("Diagnostics").Contains(d.Code, StringComparison.Ordinal))))
        {
            MSBuildDiagnosticLogger.Report(Log, d);
        }

        Log.LogMessage(MessageImportance.High,
            "Factory: {0} landed, {1} already landed, {2} LLM call(s) ({3} from cassettes), {4} tokens in / {5} out, ${6}.",
            outcomes.Count(o => o.GetMetadata("Verdict") == "PASS"), outcomes.Count(o => o.GetMetadata("Verdict") == "DONE"),
            session.Calls, session.CassetteHits, session.InputTokens, session.OutputTokens, session.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture));
        return result.ExitCode == FactoryExitCodes.Pass;
    }

    private void Report(RunOutcome outcome, IReadOnlyDictionary<string, string> files, List<ITaskItem> outcomes)
    {
        files.TryGetValue(outcome.WorkOrderId, out var file);
        var item = new TaskItem(file ?? outcome.WorkOrderId);
        item.SetMetadata("WorkOrderId", outcome.WorkOrderId);
        item.SetMetadata("Verdict", outcome.Verdict);
        item.SetMetadata("Attempts", outcome.Attempts.ToString(CultureInfo.InvariantCulture));
        item.SetMetadata("InputTokens", outcome.InputTokens.ToString(CultureInfo.InvariantCulture));
        item.SetMetadata("OutputTokens", outcome.OutputTokens.ToString(CultureInfo.InvariantCulture));
        item.SetMetadata("CostUsd", outcome.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture));
        item.SetMetadata("Commit", outcome.LandedCommit ?? "");
        item.SetMetadata("Diagnostics", string.Join(";", outcome.Diagnostics.Select(d => d.Code)));
        outcomes.Add(item);

        if (outcome.Skipped)
        {
            Log.LogMessage(MessageImportance.High, "Factory: {0} already landed; skipped.", outcome.WorkOrderId);
            return;
        }
        Log.LogMessage(MessageImportance.High, "Factory: {0} {1} after {2} attempt(s), {3} tokens in / {4} out, ${5}{6}.",
            outcome.WorkOrderId, outcome.Verdict, outcome.Attempts, outcome.InputTokens, outcome.OutputTokens,
            outcome.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture),
            outcome.LandedCommit is null ? outcome.KeptBranch is null ? "" : $"; commit kept on {outcome.KeptBranch}" : $"; landed {outcome.LandedCommit[..Math.Min(12, outcome.LandedCommit.Length)]}");
        foreach (var d in outcome.Diagnostics) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: file);
        if (outcome.ExitCode != FactoryExitCodes.Pass && !outcome.Diagnostics.Any(d => d.IsError))
        {
            Log.LogError(null, "E212", "E212", DiagnosticCatalog.HelpLinkFor("E212"), file, 0, 0, 0, 0, "{0}: {1}", outcome.WorkOrderId, outcome.Verdict);
        }
    }

    private IReadOnlyList<string>? VerifyArgv(string? command)
    {
        if (command is null) return null;
        if (CommandLine.TrySplit(command, out var argv, out var error)) return argv;
        Log.LogError(null, "E500", "E500", DiagnosticCatalog.HelpLinkFor("E500"), null, 0, 0, 0, 0, "LlmcVerifyCommand: {0}", error);
        return null;
    }
}
