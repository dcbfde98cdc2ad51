using System.Globalization;
using LlmCompiler.Configuration;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Validation;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tasks;

/// <summary>What a factory task resolved before calling the engine: the repository, the settings, the model session.</summary>
internal sealed record FactoryTaskSetup(string Root, string WorkOrdersDirectory, LlmcOptions Settings, LlmSession Session, FactoryOptions Options);

/// <summary>
/// The parts the factory's tasks share (<see cref="ExecuteWorkOrder"/>, <see cref="StartFactoryRun"/>,
/// <see cref="LandWorkOrders"/>): settings to engine options, run-level findings put at the plan's first file, one
/// outcome item and one result line per work order, each diagnostic at its work order's file.
/// </summary>
public abstract class FactoryTask : LlmcEngineTask
{
    /// <summary>The <c>WorkOrder</c> items: used to put each finding at its work order's file.</summary>
    public ITaskItem[] WorkOrders { get; set; } = [];

    /// <summary>The plan directory (<c>$(LlmcWorkOrdersDir)</c>).</summary>
    [Required]
    public string WorkOrdersDirectory { get; set; } = "";

    /// <summary>One item per work order looked at, with Verdict, Attempts, InputTokens, OutputTokens, CostUsd, Commit metadata.</summary>
    [Output]
    public ITaskItem[] Outcomes { get; protected set; } = [];

    private protected IReadOnlyDictionary<string, string> Files =>
        WorkOrders.ToDictionary(i => Path.GetFileNameWithoutExtension(i.ItemSpec), i => i.GetMetadata("FullPath"), StringComparer.Ordinal);

    // Run-level findings (a dirty tree, a held lock) belong to the plan, not to the package's targets file.
    private protected string? PlanFile => Files.Values.OrderBy(f => f, StringComparer.Ordinal).FirstOrDefault();

    /// <param name="sharedBudgetRun">The fanned-out run whose nodes share one budget, or null for a budget of this task's own.</param>
    private protected FactoryTaskSetup? Prepare(string? sharedBudgetRun = null)
    {
        var settings = ReadSettings();
        if (settings is null) return null;
        var projectDirectory = string.IsNullOrWhiteSpace(ProjectDirectory) ? Directory.GetCurrentDirectory() : ProjectDirectory!;
        var repo = RepositoryLocator.FindAsync(settings.RepoRoot, projectDirectory, CancellationToken).GetAwaiter().GetResult();
        if (repo.Error is not null)
        {
            Log.LogError(null, DiagnosticCodes.RepositoryNotUsable, DiagnosticCodes.RepositoryNotUsable, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.RepositoryNotUsable), PlanFile, 0, 0, 0, 0, "{0}", repo.Error);
            return null;
        }

        settings = settings.ForRepository(repo.Root);
        // MSBuild runs tasks without a synchronisation context, so waiting here cannot deadlock.
        var (ledger, ledgerError) = RepositoryLedger.PrepareAsync(repo.Root!, CancellationToken).GetAwaiter().GetResult();
        var llmSettings = settings.ToLlmSettings(ledger);
        if (sharedBudgetRun is not null) llmSettings = llmSettings with { SharedBudgetFile = RepositoryLayout.SharedBudgetFileOf(repo.Root!, sharedBudgetRun) };
        if (ledgerError is not null)
        {
            MSBuildDiagnosticLogger.Report(Log, ledgerError, fallbackFile: PlanFile);
            return null;
        }
        var config = ReadProjectConfig(settings, repo.Root);
        if (config is null) return null;
        var (session, sessionErrors) = LlmSession.Create(llmSettings);
        if (session is null)
        {
            foreach (var d in sessionErrors) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: PlanFile);
            return null;
        }
        LogInputs(repo.Root!, llmSettings, settings);
        return new FactoryTaskSetup(repo.Root!, Path.GetFullPath(Path.Combine(projectDirectory, WorkOrdersDirectory)), settings, session, settings.ToFactoryOptions(llmSettings, config: config));
    }

    /// <summary>Runs engine work with the node yielded: MSBuild may schedule other projects on it meanwhile.</summary>
    private protected T Yielded<T>(Func<TextWriter, Task<T>> work)
    {
        var engine3 = BuildEngine as IBuildEngine3;
        using var log = new TaskLogWriter(Log, MessageImportance.High, BuildEngine);
        engine3?.Yield();
        try
        {
            return work(log).GetAwaiter().GetResult();
        }
        finally
        {
            engine3?.Reacquire();
        }
    }

    /// <summary>What the task resolved, at detailed verbosity (MinVer's [input] lines): a -v:d log shows what it saw. Never the key.</summary>
    private void LogInputs(string root, LlmSettings llm, LlmcOptions settings)
    {
        Log.LogMessage(MessageImportance.Low, "Factory: [input] repository={0}", root);
        Log.LogMessage(MessageImportance.Low, "Factory: [input] model={0} endpoint={1} key variable={2} mode={3}", llm.Model, LlmSettings.Display(llm.ResolveEndpoint()), llm.ApiKeyEnvironmentVariable, LlmSettings.FormatMode(llm.Mode));
        Log.LogMessage(MessageImportance.Low, "Factory: [input] cassettes={0} attempts={1} sandbox={2}", settings.CassettesDirectory ?? "(none)", settings.Attempts.ToString(CultureInfo.InvariantCulture), LlmCompiler.Sandbox.SandboxModes.Format(settings.Sandbox.Mode));
    }

    /// <summary>One outcome: its item, its result line, and its diagnostics at its work order's file.</summary>
    private protected ITaskItem Report(RunOutcome outcome)
    {
        Files.TryGetValue(outcome.WorkOrderId, out var file);
        var item = new TaskItem(file ?? outcome.WorkOrderId);
        item.SetMetadata("WorkOrderId", outcome.WorkOrderId);
        item.SetMetadata("Verdict", outcome.Verdict);
        item.SetMetadata("Attempts", outcome.Attempts.ToString(CultureInfo.InvariantCulture));
        item.SetMetadata("InputTokens", outcome.InputTokens.ToString(CultureInfo.InvariantCulture));
        item.SetMetadata("OutputTokens", outcome.OutputTokens.ToString(CultureInfo.InvariantCulture));
        item.SetMetadata("CostUsd", outcome.CostKnown ? outcome.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture) : "");
        item.SetMetadata("Commit", outcome.LandedCommit ?? "");
        item.SetMetadata("KeptCommit", outcome.LandedCommit is null ? outcome.Commit ?? "" : "");
        item.SetMetadata("Diagnostics", string.Join(";", outcome.Diagnostics.Select(d => d.Code)));

        TerminalVisibleLog.Line(BuildEngine, "Factory: " + OutcomeText.Line(outcome));
        foreach (var d in outcome.Diagnostics) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: file);
        if (outcome.ExitCode != FactoryExitCodes.Pass && !outcome.Diagnostics.Any(d => d.IsError))
        {
            Log.LogError(null, DiagnosticCodes.AttemptsExhausted, DiagnosticCodes.AttemptsExhausted, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.AttemptsExhausted), file, 0, 0, 0, 0, "{0}: {1}", outcome.WorkOrderId, outcome.Verdict);
        }
        return item;
    }

    /// <summary>Run-level diagnostics not already reported with a work order.</summary>
    private protected void ReportRest(IEnumerable<Diagnostic> diagnostics, IEnumerable<ITaskItem> reported)
    {
        var codes = reported.SelectMany(o => o.GetMetadata("Diagnostics").Split(';', StringSplitOptions.RemoveEmptyEntries)).ToHashSet(StringComparer.Ordinal);
        foreach (var d in diagnostics.Where(d => !codes.Contains(d.Code))) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: PlanFile);
    }

    private protected void Summary(IReadOnlyCollection<ITaskItem> outcomes, int calls, int cassetteHits, long inputTokens, long outputTokens, string cost) =>
        TerminalVisibleLog.Line(BuildEngine, string.Create(CultureInfo.InvariantCulture,
            $"Factory: {outcomes.Count(o => o.GetMetadata("Verdict") == "PASS" && o.GetMetadata("Commit").Length > 0)} landed, {outcomes.Count(o => o.GetMetadata("Verdict") == "DONE")} already landed, {calls} LLM call(s) ({cassetteHits} from cassettes), {inputTokens} tokens in / {outputTokens} out, {cost}."));

    private protected void Summary(IReadOnlyCollection<ITaskItem> outcomes, LlmSession session) =>
        Summary(outcomes, session.Calls, session.CassetteHits, session.InputTokens, session.OutputTokens, CostText.Describe(session.CostUsd, session.UnpricedModels));
}
