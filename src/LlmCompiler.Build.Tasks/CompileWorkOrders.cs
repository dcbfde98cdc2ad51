using System.Globalization;
using LlmCompiler.Configuration;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;
using LlmCompiler.Planning;
using LlmCompiler.Validation;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Plans work orders from each <c>LlmSpec</c>. Incremental on a content fingerprint of every semantic input
/// (spec, template, model, endpoint, attempts, repository hints) stored beside the plan it produced
/// (<see cref="StampFileName"/>, meant to be committed): unchanged inputs make no LLM call, even on a fresh clone
/// where every timestamp is new.
/// </summary>
public sealed class CompileWorkOrders : LlmcEngineTask
{
    public const string StampFileName = ".llmc-plan.json";

    /// <summary>The <c>LlmSpec</c> items (metadata <c>OutputDir</c>, <c>Template</c>).</summary>
    public ITaskItem[] Specs { get; set; } = [];

    /// <summary>Output folder for specs without <c>OutputDir</c> (<c>$(LlmcWorkOrdersDir)</c>).</summary>
    [Required]
    public string DefaultOutputDirectory { get; set; } = "";

    /// <summary>Files written by this run (work orders and manifest).</summary>
    [Output]
    public ITaskItem[] WrittenFiles { get; private set; } = [];

    protected override bool ExecuteCore()
    {
        if (Specs.Length == 0)
        {
            Log.LogMessage(MessageImportance.Normal, "PlanWorkOrders: no LlmSpec items; nothing to plan.");
            return true;
        }
        var settings = ReadSettings();
        if (settings is null) return false;
        var projectDirectory = string.IsNullOrWhiteSpace(ProjectDirectory) ? Directory.GetCurrentDirectory() : ProjectDirectory!;
        var (root, rootError) = RepositoryLocator.FindAsync(settings.RepoRoot, projectDirectory, CancellationToken).GetAwaiter().GetResult();
        if (root is null && settings.RepoRoot is not null)
        {
            Log.LogError(null, DiagnosticCodes.InvalidSetting, DiagnosticCodes.InvalidSetting, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.InvalidSetting), null, 0, 0, 0, 0, "LlmcRepoRoot: {0}", rootError);
            return false;
        }

        settings = settings.ForRepository(root);
        // MSBuild runs tasks without a synchronisation context, so waiting here cannot deadlock.
        var (ledger, ledgerError) = root is null ? (null, null) : RepositoryLedger.PrepareAsync(root, CancellationToken).GetAwaiter().GetResult();
        var config = ReadProjectConfig(settings, root);
        if (config is null) return false;
        var (llm, plannerAttempts) = LlmcOptions.ForPlanner(settings.ToLlmSettings(ledger), settings.Attempts, config);
        if (ledgerError is not null)
        {
            MSBuildDiagnosticLogger.Report(Log, ledgerError);
            return false;
        }
        LlmSession? session = null;
        var written = new List<ITaskItem>();
        var ok = true;
        foreach (var spec in Specs)
        {
            CancellationToken.ThrowIfCancellationRequested();
            var specPath = spec.GetMetadata("FullPath");
            var outDir = Full(projectDirectory, NonEmpty(spec.GetMetadata("OutputDir")) ?? DefaultOutputDirectory);
            var template = NonEmpty(spec.GetMetadata("Template")) is { } t ? Full(projectDirectory, t) : null;
            var stamp = Path.Combine(outDir, StampFileName);
            var fingerprint = Fingerprint(specPath, template, llm, settings, root, outDir);
            if (fingerprint.Matches(stamp) && Directory.EnumerateFiles(outDir, PlanLoader.WorkOrderFilePattern).Any())
            {
                Log.LogMessage(MessageImportance.High, "PlanWorkOrders: {0} is up to date (inputs unchanged); no LLM call.", spec.ItemSpec);
                continue;
            }

            if (session is null)
            {
                var (created, errors) = LlmSession.Create(llm);
                if (created is null)
                {
                    foreach (var d in errors) MSBuildDiagnosticLogger.Report(Log, d);
                    return false;
                }
                session = created;
            }

            var compiler = new PlanCompiler(session, progress: a => Log.LogMessage(MessageImportance.Normal,
                "PlanWorkOrders: attempt {0}/{1}: {2} error(s), {3} warning(s), {4} tokens in / {5} out{6}.",
                a.Attempt, a.MaxAttempts, a.Errors, a.Warnings, a.InputTokens, a.OutputTokens, a.FromCassette ? " (cassette)" : ""));
            var result = compiler.CompileAsync(new PlanCompileOptions
            {
                SpecPath = specPath,
                OutDir = outDir,
                RepoRoot = root,
                TemplatePath = template,
                ArtifactsDir = settings.ArtifactsDirectory is null ? null : Path.Combine(settings.ArtifactsDirectory, "plan", Path.GetFileNameWithoutExtension(specPath)),
                // Inputs changed (or there is no plan yet): the plan is regenerated; git keeps the previous one.
                Overwrite = true,
                MaxAttempts = plannerAttempts,
                HintExclusions = settings.CassettesDirectory is null ? [] : [settings.CassettesDirectory],
                Model = llm.Model,
            }, CancellationToken).GetAwaiter().GetResult();

            foreach (var d in result.Diagnostics) MSBuildDiagnosticLogger.Report(Log, d, fallbackFile: specPath);
            if (!result.Success)
            {
                ok = false;
                if (!result.Diagnostics.Any(d => d.IsError))
                {
                    Log.LogError(null, DiagnosticCodes.PlanStillInvalid, DiagnosticCodes.PlanStillInvalid, DiagnosticCatalog.HelpLinkFor(DiagnosticCodes.PlanStillInvalid), specPath, 0, 0, 0, 0, "planning failed ({0})", result.Outcome);
                }
                continue;
            }
            fingerprint.Write(stamp);
            written.AddRange(result.WrittenFiles.Select(f => new TaskItem(f)));
            Log.LogMessage(MessageImportance.High, "PlanWorkOrders: {0} -> {1} work order(s) in {2}.",
                spec.ItemSpec, result.Manifest?.WorkOrders.Count ?? 0, outDir);
        }

        WrittenFiles = [.. written];
        if (session is not null)
        {
            Log.LogMessage(MessageImportance.High, "PlanWorkOrders: {0} LLM call(s) ({1} from cassettes), {2} tokens in / {3} out, ${4}.",
                session.Calls, session.CassetteHits, session.InputTokens, session.OutputTokens, session.CostUsd.ToString("0.0000", CultureInfo.InvariantCulture));
        }
        return ok;
    }

    /// <summary>
    /// Every input that changes the request or the plan. Repository hints come from the plan's baseline (the tree
    /// before its first landed work order), so landing work orders does not make the plan look stale.
    /// </summary>
    private InputsFingerprint Fingerprint(string specPath, string? template, LlmSettings llm, LlmcOptions settings, string? root, string outDir)
    {
        var fingerprint = new InputsFingerprint()
            .File("spec", specPath)
            .Value("model", llm.Model)
            .Value("endpoint", llm.ResolveEndpoint().ToString())
            .Value("temperature", llm.Temperature?.ToString(CultureInfo.InvariantCulture))
            .Value("max_output_tokens", llm.MaxOutputTokens.ToString(CultureInfo.InvariantCulture))
            .Value("structured_output", llm.StructuredOutput ? "true" : "false")
            .Value("max_attempts", settings.MaxAttempts?.ToString(CultureInfo.InvariantCulture))
            .Value("planner", typeof(PlanCompiler).Assembly.GetName().Version?.ToString());
        fingerprint = template is null ? fingerprint.Value("template", "embedded:" + PromptTemplate.Default().Sha256) : fingerprint.File("template", template);
        if (root is null) return fingerprint.Value("repo_hints", null);

        var existing = Directory.Exists(outDir) ? Directory.GetFiles(outDir, PlanLoader.WorkOrderFilePattern) : [];
        var plan = existing.Length == 0 ? [] : PlanLoader.LoadFiles(existing, null).Document?.WorkOrders.Select(w => w.Value).ToList() ?? [];
        var (baseline, _) = PlanBaseline.ResolveAsync(root, root, plan, CancellationToken).GetAwaiter().GetResult();
        var excluded = new[] { outDir, settings.CassettesDirectory, settings.ArtifactsDirectory, Path.Combine(root, ".llmc") }
            .OfType<string>()
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(r => r != "." && !r.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(r))
            .ToList();
        return fingerprint.Value("repo_hints", RepoHints.Build(root, baseline.Files, excluded));
    }

    private static string? NonEmpty(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static string Full(string baseDirectory, string path) => Path.GetFullPath(Path.Combine(baseDirectory, path));
}
