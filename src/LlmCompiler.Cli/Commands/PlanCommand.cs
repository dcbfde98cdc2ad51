using System.CommandLine;
using System.Globalization;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;
using LlmCompiler.Planning;

namespace LlmCompiler.Cli.Commands;

/// <summary>The LLM settings a command takes from its command line, before they become a session.</summary>
internal sealed record LlmOptions(string? Model, string? Endpoint, string ApiKeyEnvironmentVariable, string? Mode, string? CassettesDirectory, decimal? MaxCostUsd)
{
    /// <summary>The run's cost ledger (JSONL); every call is appended to it.</summary>
    public string? LedgerPath { get; init; }

    public float? Temperature { get; init; }

    public TimeSpan? NetworkTimeout { get; init; }

    public TimeSpan? CallDeadline { get; init; }

    public string? PriceTablePath { get; init; }

    public long? MaxTokens { get; init; }
}

/// <summary>Builds the model client for a run, or the diagnostics (E3xx/E500) that say why it cannot.</summary>
internal delegate ILlmClient? PlanClientFactory(LlmOptions options, out IReadOnlyList<Diagnostic> errors);

/// <summary>
/// <c>llmc plan --spec FILE --outdir DIR [--repo DIR] [--template FILE] [--artifacts-dir DIR] [--overwrite]
/// [--print-summary] [--model NAME] [--endpoint URL] [--api-key-env NAME] [--llm-mode live|record|replay|auto]
/// [--cassettes DIR] [--max-attempts N] [--max-cost-usd X]</c>.
/// Exit codes: 0 success, 1 input/I/O error, 2 plan still invalid, 3 LLM/transport/budget error, 4 last answer not JSON.
/// </summary>
internal static class PlanCommand
{
    public const int ExitLlmError = 3;
    public const int ExitUnparseable = 4;

    public static Command Create(TextWriter stdout, TextWriter stderr) => Create(stdout, stderr, LlmClients.Create);

    internal static Command Create(TextWriter stdout, TextWriter stderr, PlanClientFactory clientFactory)
    {
        var spec = new Option<FileInfo>("--spec") { Description = "The product specification (Markdown or text).", Required = true };
        var outdir = new Option<DirectoryInfo>("--outdir") { Description = "Where WO-NN.json and WORK_ORDERS_MANIFEST.json are written.", Required = true };
        var repo = new Option<DirectoryInfo?>("--repo") { Description = "The target repository: its files feed the chain checks and the prompt." };
        var template = new Option<FileInfo?>("--template") { Description = "A prompt template to use instead of the built-in one; must contain {{PRODUCT_SPEC}}." };
        var artifacts = new Option<DirectoryInfo?>("--artifacts-dir") { Description = "Folder that receives one <run-id> folder per run with its prompts, responses, diagnostics and summary (default <repo or cwd>/.llmc/runs/plan)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace work orders already in --outdir." };
        var printSummary = new Option<bool>("--print-summary") { Description = "Print one line per work order on stdout." };
        var model = new Option<string?>("--model") { Description = $"Model name (default {new LlmSettings().Model})." };
        var endpoint = new Option<string?>("--endpoint") { Description = "OpenAI-compatible base URL (default: LLMC_ENDPOINT, OPENAI_BASE_URL, then OpenAI)." };
        var apiKeyEnv = new Option<string>("--api-key-env") { Description = "Name of the environment variable holding the API key.", DefaultValueFactory = _ => "OPENAI_API_KEY" };
        var mode = new Option<string?>("--llm-mode") { Description = "live, record, replay or auto (default: auto with --cassettes, else live)." };
        mode.AcceptOnlyFromAmong("live", "record", "replay", "auto");
        var cassettes = new Option<DirectoryInfo?>("--cassettes") { Description = "Folder of recorded LLM exchanges." };
        var maxAttempts = new Option<int>("--max-attempts") { Description = "Compile attempts, including corrections (1-10).", DefaultValueFactory = _ => 3 };
        var maxCost = new Option<decimal?>("--max-cost-usd") { Description = "Stop the run before a call that would exceed this live spend." };

        var command = new Command("plan", "Compile a product spec into validated work orders, asking the model to correct its own mistakes.");
        foreach (var option in new Option[] { spec, outdir, repo, template, artifacts, overwrite, printSummary, model, endpoint, apiKeyEnv, mode, cassettes, maxAttempts, maxCost })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            var repoDir = parse.GetValue(repo)?.FullName;
            var (ledger, ledgerError) = await RepositoryLedger.PrepareAsync(repoDir ?? Directory.GetCurrentDirectory(), cancellationToken);
            if (ledgerError is not null)
            {
                await stderr.WriteLineAsync(ledgerError.ToCanonicalString());
                return ExitCodes.Usage;
            }
            var llmOptions = new LlmOptions(
                parse.GetValue(model), parse.GetValue(endpoint), parse.GetValue(apiKeyEnv)!, parse.GetValue(mode),
                parse.GetValue(cassettes)?.FullName, parse.GetValue(maxCost))
            {
                LedgerPath = ledger,
            };
            var client = clientFactory(llmOptions, out var clientErrors);
            if (client is null)
            {
                foreach (var error in clientErrors) await stderr.WriteLineAsync(error.ToCanonicalString());
                return clientErrors.Any(e => e.Code.StartsWith("E3", StringComparison.Ordinal)) ? ExitLlmError : ExitCodes.Usage;
            }

            var options = new PlanCompileOptions
            {
                SpecPath = parse.GetValue(spec)!.FullName,
                OutDir = parse.GetValue(outdir)!.FullName,
                RepoRoot = repoDir,
                TemplatePath = parse.GetValue(template)?.FullName,
                ArtifactsDir = parse.GetValue(artifacts)?.FullName,
                Overwrite = parse.GetValue(overwrite),
                MaxAttempts = parse.GetValue(maxAttempts),
                Model = llmOptions.Model,
                // Recording a cassette must not change the next request's repo hints (and so its cassette key).
                HintExclusions = llmOptions.CassettesDirectory is null ? [] : [llmOptions.CassettesDirectory],
            };
            var compiler = new PlanCompiler(client, progress: report => stderr.WriteLine(FormatProgress(report)));
            try
            {
                var result = await compiler.CompileAsync(options, cancellationToken);
                return Report(result, parse.GetValue(printSummary), stdout, stderr);
            }
            finally
            {
                (client as IDisposable)?.Dispose();
            }
        });
        return command;
    }

    private static int Report(PlanCompileResult result, bool printSummary, TextWriter stdout, TextWriter stderr)
    {
        foreach (var diagnostic in result.Diagnostics) stderr.WriteLine(diagnostic.ToCanonicalString());
        if (result.Success)
        {
            var manifest = result.Manifest!;
            if (printSummary)
            {
                foreach (var wo in manifest.WorkOrders)
                {
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{wo.Id}\t{(wo.VerifyExempt ? "exempt" : "verify")}\t{wo.AllowedFiles.Count} file(s)\t{wo.Title}"));
                }
            }
            var summary = result.Summary!;
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"llmc plan: wrote {manifest.WorkOrders.Count} work order(s) to {Path.GetDirectoryName(result.WrittenFiles[^1])} after {summary.Attempts} attempt(s); {summary.InputTokens + summary.OutputTokens} tokens, ${summary.CostUsd:0.####}; artifacts in {result.ArtifactsDir}"));
            return ExitCodes.Success;
        }
        if (result.ArtifactsDir is not null) stderr.WriteLine($"llmc plan: no work orders written; artifacts in {result.ArtifactsDir}");
        return result.Outcome switch
        {
            PlanOutcome.ValidationFailed => ExitCodes.ValidationFailed,
            PlanOutcome.LlmError => ExitLlmError,
            PlanOutcome.Unparseable => ExitUnparseable,
            _ => ExitCodes.Usage,
        };
    }

    private static string FormatProgress(PlanAttemptReport r)
    {
        var findings = r.Parsed ? string.Create(CultureInfo.InvariantCulture, $"{r.Errors} error(s), {r.Warnings} warning(s)") : "answer is not JSON";
        return string.Create(CultureInfo.InvariantCulture,
            $"llmc plan: attempt {r.Attempt}/{r.MaxAttempts}: {r.InputTokens} in + {r.OutputTokens} out tokens{(r.FromCassette ? " (cassette)" : "")}; {findings}");
    }
}
