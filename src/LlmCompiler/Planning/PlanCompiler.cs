using System.Diagnostics;
using System.Text;
using LlmCompiler.Contracts;
using LlmCompiler.Diagnostics;
using LlmCompiler.IO;
using LlmCompiler.Llm;
using LlmCompiler.Validation;

namespace LlmCompiler.Planning;

/// <summary>Inputs of one planner run.</summary>
public sealed record PlanCompileOptions
{
    public required string SpecPath { get; init; }
    public required string OutDir { get; init; }

    /// <summary>The target repository: its listing feeds the chain checks and the prompt's repo hints.</summary>
    public string? RepoRoot { get; init; }

    /// <summary>A template file to use instead of the embedded planner prompt.</summary>
    public string? TemplatePath { get; init; }

    /// <summary>The folder that receives this run's folder <c>&lt;run-id&gt;/</c>; default <c>&lt;repo or cwd&gt;/.llmc/runs/plan</c>.</summary>
    public string? ArtifactsDir { get; init; }

    public bool Overwrite { get; init; }
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// Folders the tool itself writes into (cassettes, for instance) that the prompt's repo hints leave out so
    /// that recording does not change the next request. The output and artifacts folders are always left out.
    /// </summary>
    public IReadOnlyList<string> HintExclusions { get; init; } = [];

    /// <summary>The model asked for; provenance records the model that actually answered when the client says.</summary>
    public string? Model { get; init; }
}

public enum PlanOutcome
{
    Success,
    /// <summary>Bad input or I/O: unreadable spec, invalid template, outdir already holds work orders, unwritable output.</summary>
    InputOrIoError,
    /// <summary>The last attempt's plan still has hard errors (E402).</summary>
    ValidationFailed,
    /// <summary>The LLM layer failed: credentials, transport, budget, cassette miss (E3xx).</summary>
    LlmError,
    /// <summary>The last attempt's answer was not parseable JSON.</summary>
    Unparseable,
}

/// <summary>Progress of one attempt, reported as it finishes.</summary>
public sealed record PlanAttemptReport(int Attempt, int MaxAttempts, int InputTokens, int OutputTokens, bool Parsed, int Errors, int Warnings, bool FromCassette);

/// <summary>What a planner run produced.</summary>
public sealed record PlanCompileResult
{
    public required PlanOutcome Outcome { get; init; }

    /// <summary>What to show the user: the final diagnostics (positions point into the saved raw response).</summary>
    public IReadOnlyList<Diagnostic> Diagnostics { get; init; } = [];

    public Manifest? Manifest { get; init; }
    public IReadOnlyList<string> WrittenFiles { get; init; } = [];
    public string? RunId { get; init; }
    public string? ArtifactsDir { get; init; }
    public CompileSummary? Summary { get; init; }
    public bool Success => Outcome == PlanOutcome.Success;
}

/// <summary>
/// The compile loop (original §3, HEAD, with the contract's changes): render the prompt, call the model,
/// parse the answer tolerantly, validate it (structure and chain against the repository listing), and on
/// hard errors ask for a corrected manifest, up to <see cref="PlanCompileOptions.MaxAttempts"/> times. On
/// success it recomputes <c>verify_exempt</c>, adds provenance and writes the plan atomically, manifest last.
/// Never throws for bad input, model output or I/O; only cancellation propagates.
/// </summary>
public sealed class PlanCompiler
{
    public const string Purpose = "planner";
    public const int MaxAttemptsLimit = 10;

    /// <summary>A spec is prose for a prompt; anything larger is not one (and would not fit a context window).</summary>
    public const int MaxSpecBytes = 4 * 1024 * 1024;

    private readonly ILlmClient _client;
    private readonly TimeProvider _time;
    private readonly Action<PlanAttemptReport>? _progress;

    public PlanCompiler(ILlmClient client, TimeProvider? time = null, Action<PlanAttemptReport>? progress = null)
    {
        _client = client;
        _time = time ?? TimeProvider.System;
        _progress = progress;
    }

    public async Task<PlanCompileResult> CompileAsync(PlanCompileOptions options, CancellationToken cancellationToken = default)
    {
        var started = _time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();

        // Everything that can make the run pointless is checked before the first (paid) call.
        var inputs = PrepareInputs(options, out var inputError);
        if (inputs is null) return Fail(PlanOutcome.InputOrIoError, inputError!);

        var runId = PlannerRunId.NewRunId(_time);
        PlannerArtifacts artifacts;
        try
        {
            var defaultRoot = options.RepoRoot ?? Directory.GetCurrentDirectory();
            var directory = Path.Combine(options.ArtifactsDir ?? RepositoryLayout.PlanRunsDirectoryOf(defaultRoot), runId);
            // The tool's folder must not be a link (a committed .llmc pointing elsewhere would receive every artifact).
            if (options.ArtifactsDir is null) SafeFile.EnsureNoLinksBelow(defaultRoot, directory, FileKind.Directory);
            artifacts = PlannerArtifacts.Create(directory);
            // The CLI keeps its cost ledger under .llmc/ too, so the folder is excluded even with --artifacts-dir.
            await PlannerArtifacts.ExcludeFromGitAsync(defaultRoot, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsIo(ex))
        {
            return Fail(PlanOutcome.InputOrIoError, DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"cannot create the artifacts directory: {ex.Message}"));
        }

        var loop = new LoopState();
        var request = RevisionPrompt.InitialRequest(inputs.RenderedPrompt);
        PlanOutcome? outcome = null;
        IReadOnlyList<Diagnostic> finalDiagnostics = [];
        PlanDocument? accepted = null;
        ValidationResult? acceptedValidation = null;

        try
        {
            for (var attempt = 1; attempt <= inputs.MaxAttempts; attempt++)
            {
                artifacts.SavePrompt(attempt, request);
                var result = await _client.CompleteAsync(request, cancellationToken).ConfigureAwait(false);
                if (!result.Success)
                {
                    var error = result.Error!;
                    loop.Attempts.Add(new AttemptRecord { Attempt = attempt, PromptFile = Path.GetFileName(artifacts.PromptPath(attempt)), LlmError = error.ToCanonicalString() });
                    artifacts.SaveDiagnostics(attempt, [error]);
                    outcome = PlanOutcome.LlmError;
                    finalDiagnostics = [error];
                    break;
                }

                var response = result.Response!;
                loop.Record(response);
                artifacts.SaveResponse(attempt, response.Text);
                var responsePath = artifacts.ResponsePath(attempt);

                var parsed = ResponseExtractor.Parse(responsePath, response.Text);
                IReadOnlyList<Diagnostic> diagnostics;
                PlanDocument? document = null;
                ValidationResult? validation = null;
                if (!parsed.Success)
                {
                    diagnostics = [parsed.Error!];
                }
                else
                {
                    document = ContractReader.ReadManifest(parsed);
                    validation = PlanValidator.Validate(document, new ValidationOptions { RepoFiles = inputs.RepoFiles });
                    diagnostics = validation.Diagnostics;
                }
                artifacts.SaveDiagnostics(attempt, diagnostics);

                var errors = diagnostics.Count(d => d.IsError);
                var warnings = diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
                loop.Attempts.Add(new AttemptRecord
                {
                    Attempt = attempt,
                    PromptFile = Path.GetFileName(artifacts.PromptPath(attempt)),
                    ResponseFile = Path.GetFileName(responsePath),
                    Parsed = parsed.Success,
                    Errors = errors,
                    Warnings = warnings,
                    ErrorCodes = [.. diagnostics.Where(d => d.IsError).Select(d => d.Code).Distinct()],
                    InputTokens = response.InputTokens,
                    OutputTokens = response.OutputTokens,
                    CostUsd = response.CostUsd,
                    FromCassette = response.FromCassette,
                    CassetteKey = string.IsNullOrEmpty(response.CassetteKey) ? null : response.CassetteKey,
                });
                _progress?.Invoke(new PlanAttemptReport(attempt, inputs.MaxAttempts, response.InputTokens, response.OutputTokens, parsed.Success, errors, warnings, response.FromCassette));

                finalDiagnostics = diagnostics;
                if (parsed.Success && errors == 0)
                {
                    accepted = document;
                    acceptedValidation = validation;
                    outcome = PlanOutcome.Success;
                    break;
                }
                if (attempt == inputs.MaxAttempts)
                {
                    outcome = parsed.Success ? PlanOutcome.ValidationFailed : PlanOutcome.Unparseable;
                    break;
                }
                request = RevisionPrompt.Build(inputs.RenderedPrompt, response.Text, diagnostics, parsed.Success);
            }

            Manifest? manifest = null;
            IReadOnlyList<string> written = [];
            string? planId = null;
            if (outcome == PlanOutcome.Success)
            {
                planId = PlannerRunId.ContentId([inputs.SpecSha256, inputs.Template.Sha256, inputs.RepoHints ?? "", .. loop.ResponseHashes]);
                manifest = BuildManifest(accepted!, acceptedValidation!, inputs, loop, planId);
                var recheck = PlanOutputWriter.CheckOutDir(options.OutDir, options.Overwrite);
                if (recheck is not null)
                {
                    outcome = PlanOutcome.InputOrIoError;
                    finalDiagnostics = [recheck];
                }
                else
                {
                    written = PlanOutputWriter.Write(options.OutDir, manifest);
                }
            }
            else if (outcome == PlanOutcome.ValidationFailed)
            {
                var e402 = DiagnosticCatalog.Create(DiagnosticCodes.PlanStillInvalid,
                    $"the plan still has {finalDiagnostics.Count(d => d.IsError)} error(s) after {inputs.MaxAttempts} attempt(s); no work orders were written; see {artifacts.RunDirectory}");
                finalDiagnostics = [.. finalDiagnostics, e402];
            }

            var summary = BuildSummary(options, inputs, runId, planId, outcome!.Value, loop, finalDiagnostics, manifest, written, started, stopwatch.Elapsed);
            artifacts.SaveSummary(summary);
            return new PlanCompileResult
            {
                Outcome = outcome.Value,
                Diagnostics = finalDiagnostics,
                Manifest = outcome == PlanOutcome.Success ? manifest : null,
                WrittenFiles = written,
                RunId = runId,
                ArtifactsDir = artifacts.RunDirectory,
                Summary = summary,
            };
        }
        catch (Exception ex) when (IsIo(ex))
        {
            var error = DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"planner I/O failed: {ex.Message}; evidence so far is in {artifacts.RunDirectory}");
            return new PlanCompileResult { Outcome = PlanOutcome.InputOrIoError, Diagnostics = [error], RunId = runId, ArtifactsDir = artifacts.RunDirectory };
        }
    }

    private sealed record Inputs(string Spec, string SpecSha256, PromptTemplate Template, IReadOnlySet<string> RepoFiles, string? RepoHints, string RenderedPrompt, int MaxAttempts);

    private sealed class LoopState
    {
        public List<AttemptRecord> Attempts { get; } = [];
        public List<string> ResponseHashes { get; } = [];
        public List<string> CassetteKeys { get; } = [];
        public long InputTokens { get; private set; }
        public long OutputTokens { get; private set; }
        public decimal CostUsd { get; private set; }
        public bool CostKnown { get; private set; } = true;
        public string? Model { get; private set; }

        public void Record(LlmResponse response)
        {
            InputTokens += response.InputTokens;
            OutputTokens += response.OutputTokens;
            CostUsd += response.CostUsd;
            CostKnown &= response.PriceKnown;
            Model = string.IsNullOrEmpty(response.Model) ? Model : response.Model;
            ResponseHashes.Add(ContentHash.Sha256Hex(response.Text));
            if (!string.IsNullOrEmpty(response.CassetteKey) && !CassetteKeys.Contains(response.CassetteKey)) CassetteKeys.Add(response.CassetteKey);
        }
    }

    private static Inputs? PrepareInputs(PlanCompileOptions options, out Diagnostic? error)
    {
        error = null;
        if (options.MaxAttempts is < 1 or > MaxAttemptsLimit)
        {
            error = DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"max attempts must be between 1 and {MaxAttemptsLimit}, got {options.MaxAttempts}");
            return null;
        }
        if (!IO.SafeFile.TryReadInput(options.SpecPath, MaxSpecBytes, out var specBytes, out var specError))
        {
            error = DiagnosticCatalog.Create(DiagnosticCodes.InputUnreadable, $"cannot read the spec: {specError}") with { File = options.SpecPath };
            return null;
        }
        var spec = new UTF8Encoding(false).GetString(specBytes).Replace("\r\n", "\n", StringComparison.Ordinal);
        if (spec.Trim().Length == 0)
        {
            error = DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"spec '{options.SpecPath}' is empty") with { File = options.SpecPath };
            return null;
        }

        var template = options.TemplatePath is null ? PromptTemplate.Default() : PromptTemplate.Load(options.TemplatePath, out error);
        if (template is null) return null;

        IReadOnlySet<string> repoFiles = new HashSet<string>(StringComparer.Ordinal);
        string? hints = null;
        if (options.RepoRoot is not null)
        {
            if (!Directory.Exists(options.RepoRoot))
            {
                error = DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"repository '{options.RepoRoot}' is not a directory");
                return null;
            }
            try
            {
                repoFiles = RepoListing.Load(options.RepoRoot);
                hints = RepoHints.Build(options.RepoRoot, repoFiles, HintExclusionsOf(options));
            }
            catch (Exception ex) when (IsIo(ex))
            {
                error = DiagnosticCatalog.Create(DiagnosticCodes.InvalidSetting, $"cannot list repository '{options.RepoRoot}': {ex.Message}");
                return null;
            }
        }

        error = PlanOutputWriter.CheckOutDir(options.OutDir, options.Overwrite);
        if (error is not null) return null;

        return new Inputs(spec, ContentHash.Sha256Hex(spec), template, repoFiles, hints, template.Render(spec, hints), options.MaxAttempts);
    }

    /// <summary>The excluded folders that lie inside the repository, relative to it.</summary>
    private static List<string> HintExclusionsOf(PlanCompileOptions options)
    {
        var root = Path.GetFullPath(options.RepoRoot!);
        var result = new List<string>();
        foreach (var folder in options.HintExclusions.Append(options.OutDir).Append(options.ArtifactsDir ?? ""))
        {
            if (folder.Length == 0) continue;
            var relative = Path.GetRelativePath(root, Path.GetFullPath(folder));
            if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)) continue;
            result.Add(relative.Replace('\\', '/'));
        }
        return result;
    }

    private static Manifest BuildManifest(PlanDocument document, ValidationResult validation, Inputs inputs, LoopState loop, string planId)
    {
        // verify_exempt is always the validator's verdict, never the model's (CONTRACT §3).
        var workOrders = document.WorkOrders
            .Select(w => w.Value with { VerifyExempt = validation.VerifyExempt.TryGetValue(w.DisplayId, out var exempt) && exempt, Provenance = null })
            .ToList();
        var bare = document.ToManifest() with { WorkOrders = workOrders };
        // Hash of the manifest exactly as it would be written without provenance (fixes §9.15's mismatch).
        var manifestSha = ContentHash.Sha256Hex(PlanOutputWriter.Serialize(bare));
        var stamped = workOrders.Select(w => w with
        {
            Provenance = new Provenance
            {
                PlannerRunId = planId,
                SpecSha256 = inputs.SpecSha256,
                TemplateSha256 = inputs.Template.Sha256,
                Model = loop.Model,
                ManifestSha256 = manifestSha,
                CassetteKeys = [.. loop.CassetteKeys],
                Bootstrap = w.VerifyExempt,
            },
        }).ToList();
        return bare with { WorkOrders = stamped };
    }

    private static CompileSummary BuildSummary(PlanCompileOptions options, Inputs inputs, string runId, string? planId, PlanOutcome outcome, LoopState loop,
        IReadOnlyList<Diagnostic> diagnostics, Manifest? manifest, IReadOnlyList<string> written, DateTimeOffset started, TimeSpan elapsed) => new()
    {
        RunId = runId,
        PlanId = planId,
        Success = outcome == PlanOutcome.Success,
        Outcome = outcome.ToString(),
        SpecPath = Path.GetFullPath(options.SpecPath),
        SpecSha256 = inputs.SpecSha256,
        TemplateSource = inputs.Template.Source,
        TemplateSha256 = inputs.Template.Sha256,
        RepoRoot = options.RepoRoot is null ? null : Path.GetFullPath(options.RepoRoot),
        Model = loop.Model ?? options.Model,
        MaxAttempts = inputs.MaxAttempts,
        Attempts = loop.Attempts.Count,
        AttemptRecords = loop.Attempts,
        WorkOrderCount = outcome == PlanOutcome.Success ? manifest?.WorkOrders.Count ?? 0 : 0,
        FinalDiagnostics = [.. diagnostics.Select(DiagnosticRecord.From)],
        InputTokens = loop.InputTokens,
        OutputTokens = loop.OutputTokens,
        CostUsd = loop.CostUsd,
        CostKnown = loop.CostKnown,
        OutDir = Path.GetFullPath(options.OutDir),
        WrittenFiles = [.. written.Select(Path.GetFullPath)],
        StartedAt = started,
        FinishedAt = started + elapsed,
        DurationSeconds = Math.Round(elapsed.TotalSeconds, 3),
    };

    private static PlanCompileResult Fail(PlanOutcome outcome, Diagnostic error) => new() { Outcome = outcome, Diagnostics = [error] };

    private static bool IsIo(Exception ex) => ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException;
}
