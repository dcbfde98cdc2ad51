using LlmCompiler.Configuration;
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
/// (their canonical hash is in a <c>Work-Order-Sha256:</c> trailer of a commit the factory made) are skipped without
/// an LLM call, the run stops at the first failure, and a cancelled build restores the checkout. Progress (each
/// attempt, each command) and one result line per work order are shown at the terminal logger's default verbosity.
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
        var files = WorkOrders.ToDictionary(i => Path.GetFileNameWithoutExtension(i.ItemSpec), i => i.GetMetadata("FullPath"), StringComparer.Ordinal);
        // Run-level findings (a dirty tree, a held lock) belong to the plan, not to the package's targets file.
        var planFile = files.Values.OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();
        var repo = RepositoryLocator.FindAsync(settings.RepoRoot, projectDirectory, CancellationToken).GetAwaiter().GetResult();
        if (repo.Error is not null)
        {
            Log.LogError(null, DiagnosticCodes.RepositoryNotUsable, DiagnosticCodes.RepositoryNotUsable, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.RepositoryNotUsable), planFile, 0, 0, 0, 0, "{0}", repo.Error);
            return false;
        }

        settings = settings.ForRepository(repo.Root);
        // MSBuild runs tasks without a synchronisation context, so waiting here cannot deadlock.
        var (ledger, ledgerError) = RepositoryLedger.PrepareAsync(repo.Root!, CancellationToken).GetAwaiter().GetResult();
        var llmSettings = settings.ToLlmSettings(ledger);
        if (ledgerError is not null)
        {
            MSBuildDiagnosticLogger.Report(Log, ledgerError, fallbackFile: planFile);
            return false;
        }
        var (session, sessionErrors) = LlmSession.Create(llmSettings);
        if (session is null)
        {
            foreach (var d in sessionErrors) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: planFile);
            return false;
        }
        LogInputs(repo.Root!, llmSettings, settings);

        var options = settings.ToFactoryOptions(llmSettings);

        var outcomes = new List<ITaskItem>();
        var engine3 = BuildEngine as IBuildEngine3;
        using var log = new TaskLogWriter(Log, MessageImportance.High, BuildEngine);
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
        var reported = outcomes.SelectMany(o => o.GetMetadata("Diagnostics").Split(';', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        foreach (var d in result.Diagnostics.Where(d => !reported.Contains(d.Code))) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: planFile);

        TerminalVisibleLog.Line(BuildEngine, string.Create(CultureInfo.InvariantCulture,
            $"Factory: {outcomes.Count(o => o.GetMetadata("Verdict") == "PASS")} landed, {outcomes.Count(o => o.GetMetadata("Verdict") == "DONE")} already landed, {session.Calls} LLM call(s) ({session.CassetteHits} from cassettes), {session.InputTokens} tokens in / {session.OutputTokens} out, {CostText.Describe(session.CostUsd, session.UnpricedModels)}."));
        return result.ExitCode == FactoryExitCodes.Pass;
    }

    /// <summary>What the task resolved, at detailed verbosity (MinVer's [input] lines): a -v:d log shows what it saw. Never the key.</summary>
    private void LogInputs(string root, LlmSettings llm, LlmcOptions settings)
    {
        Log.LogMessage(MessageImportance.Low, "Factory: [input] repository={0}", root);
        Log.LogMessage(MessageImportance.Low, "Factory: [input] model={0} endpoint={1} key variable={2} mode={3}", llm.Model, LlmSettings.Display(llm.ResolveEndpoint()), llm.ApiKeyEnvironmentVariable, LlmSettings.FormatMode(llm.Mode));
        Log.LogMessage(MessageImportance.Low, "Factory: [input] cassettes={0} attempts={1} sandbox={2}", settings.CassettesDirectory ?? "(none)",  settings.Attempts.ToString(CultureInfo.InvariantCulture), LlmCompiler.Sandbox.SandboxModes.Format(settings.Sandbox.Mode));
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
        item.SetMetadata("CostUsd", outcome.CostKnown ? outcome.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture) : "");
        item.SetMetadata("Commit", outcome.LandedCommit ?? "");
        item.SetMetadata("Diagnostics", string.Join(";", outcome.Diagnostics.Select(d => d.Code)));
        outcomes.Add(item);

        TerminalVisibleLog.Line(BuildEngine, "Factory: " + OutcomeText.Line(outcome));
        foreach (var d in outcome.Diagnostics) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: file);
        if (outcome.ExitCode != FactoryExitCodes.Pass && !outcome.Diagnostics.Any(d => d.IsError))
        {
            Log.LogError(null, DiagnosticCodes.AttemptsExhausted, DiagnosticCodes.AttemptsExhausted, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.AttemptsExhausted), file, 0, 0, 0, 0, "{0}: {1}", outcome.WorkOrderId, outcome.Verdict);
        }
    }
}
