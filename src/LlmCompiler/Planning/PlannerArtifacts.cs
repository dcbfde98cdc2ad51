using System.Text.Json;
using System.Text.Json.Serialization;
using LlmCompiler.Diagnostics;
using LlmCompiler.Git;
using LlmCompiler.IO;
using LlmCompiler.Llm;

namespace LlmCompiler.Planning;

/// <summary>A diagnostic as stored in artifacts: exactly the contract's eight fields.</summary>
public sealed record DiagnosticRecord(string Code, string Severity, string? WoId, string? Field, string Message, string? File, int Line, int Column)
{
    public static DiagnosticRecord From(Diagnostic d) => new(
        d.Code, d.Severity switch { DiagnosticSeverity.Error => "error", DiagnosticSeverity.Warning => "warning", _ => "info" },
        d.WoId, d.Field, d.Message, d.File, d.Line, d.Column);
}

/// <summary>One attempt of the compile loop as recorded in <c>compile_summary.json</c>.</summary>
public sealed record AttemptRecord
{
    public int Attempt { get; init; }
    public string PromptFile { get; init; } = "";
    public string? ResponseFile { get; init; }
    public bool Parsed { get; init; }
    public int Errors { get; init; }
    public int Warnings { get; init; }
    public IReadOnlyList<string> ErrorCodes { get; init; } = [];
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public bool FromCassette { get; init; }
    public string? CassetteKey { get; init; }
    public string? LlmError { get; init; }
}

/// <summary><c>compile_summary.json</c>: what one planner run did, for people and CI.</summary>
public sealed record CompileSummary
{
    public string RunId { get; init; } = "";
    public string? PlanId { get; init; }
    public bool Success { get; init; }
    public string Outcome { get; init; } = "";
    public string SpecPath { get; init; } = "";
    public string SpecSha256 { get; init; } = "";
    public string TemplateSource { get; init; } = "";
    public string TemplateSha256 { get; init; } = "";
    public string? RepoRoot { get; init; }
    public string? Model { get; init; }
    public int MaxAttempts { get; init; }
    public int Attempts { get; init; }
    public IReadOnlyList<AttemptRecord> AttemptRecords { get; init; } = [];
    public int WorkOrderCount { get; init; }
    public IReadOnlyList<DiagnosticRecord> FinalDiagnostics { get; init; } = [];
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }

    /// <summary>False when a call's model had no price: <see cref="CostUsd"/> is then a lower bound.</summary>
    public bool CostKnown { get; init; } = true;
    public string? OutDir { get; init; }
    public IReadOnlyList<string> WrittenFiles { get; init; } = [];
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset FinishedAt { get; init; }
    public double DurationSeconds { get; init; }
}

/// <summary>The exact request of one attempt, as saved in <c>prompt_attempt_N.json</c>.</summary>
public sealed record SavedPrompt(string Purpose, IReadOnlyList<LlmMessage> Messages);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    IndentSize = 2)]
[JsonSerializable(typeof(CompileSummary))]
[JsonSerializable(typeof(IReadOnlyList<DiagnosticRecord>))]
[JsonSerializable(typeof(SavedPrompt))]
internal sealed partial class PlanningJsonContext : JsonSerializerContext
{
    private static PlanningJsonContext? _files;

    public static PlanningJsonContext Files => _files ??= new PlanningJsonContext(new JsonSerializerOptions(Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NewLine = "\n",
    });
}

/// <summary>
/// The folder of one planner run: every prompt, raw response and per-attempt diagnostics, and the summary.
/// Created fresh per run (a run never overwrites another run's evidence).
/// </summary>
internal sealed class PlannerArtifacts
{
    private PlannerArtifacts(string directory) => RunDirectory = directory;

    public string RunDirectory { get; }

    public static PlannerArtifacts Create(string directory)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new IOException($"artifacts directory '{directory}' already exists and is not empty");
        }
        Directory.CreateDirectory(directory);
        return new PlannerArtifacts(Path.GetFullPath(directory));
    }

    public string PromptPath(int attempt) => Path.Combine(RunDirectory, $"prompt_attempt_{attempt}.json");

    public string ResponsePath(int attempt) => Path.Combine(RunDirectory, $"response_attempt_{attempt}.txt");

    public string DiagnosticsPath(int attempt) => Path.Combine(RunDirectory, $"diagnostics_attempt_{attempt}.json");

    public string SummaryPath => Path.Combine(RunDirectory, "compile_summary.json");

    public void SavePrompt(int attempt, LlmRequest request) =>
        AtomicFile.WriteAllText(PromptPath(attempt), JsonSerializer.Serialize(new SavedPrompt(request.Purpose, request.Messages), PlanningJsonContext.Files.SavedPrompt) + "\n");

    public void SaveResponse(int attempt, string text) => AtomicFile.WriteAllText(ResponsePath(attempt), text);

    public void SaveDiagnostics(int attempt, IEnumerable<Diagnostic> diagnostics) =>
        AtomicFile.WriteAllText(DiagnosticsPath(attempt),
            JsonSerializer.Serialize<IReadOnlyList<DiagnosticRecord>>([.. diagnostics.Select(DiagnosticRecord.From)], PlanningJsonContext.Files.IReadOnlyListDiagnosticRecord) + "\n");

    public void SaveSummary(CompileSummary summary) =>
        AtomicFile.WriteAllText(SummaryPath, JsonSerializer.Serialize(summary, PlanningJsonContext.Files.CompileSummary) + "\n");

    /// <summary>
    /// Adds <c>.llmc/</c> to the repository's <c>.git/info/exclude</c> so run folders never show up as untracked
    /// files (which would make the factory see a dirty tree). Best effort: not a git repository, no change.
    /// </summary>
    public static Task ExcludeFromGitAsync(string repoRoot, CancellationToken ct) =>
        GitExclude.EnsureArtifactsExcludedAsync(new GitCli(), repoRoot, ct);
}
