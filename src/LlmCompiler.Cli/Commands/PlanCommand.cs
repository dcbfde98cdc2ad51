using System.CommandLine;
using System.Globalization;
using LlmCompiler.Cli.Output;
using LlmCompiler.Configuration;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;
using LlmCompiler.Planning;
using LlmCompiler.Validation;

namespace LlmCompiler.Cli.Commands;

/// <summary>Builds the model client for a run, or the diagnostics (E3xx/E500) that say why it cannot.</summary>
internal delegate ILlmClient? PlanClientFactory(LlmSettings settings, out IReadOnlyList<Diagnostic> errors);

/// <summary>
/// <c>llmc plan --spec FILE [--outdir DIR] [--repo DIR] [--template FILE] [--artifacts-dir DIR] [--overwrite]
/// [--print-summary] [model options]</c>.
/// Exit codes: 0 success, 1 input/I/O error, 2 plan still invalid, 3 LLM/transport/budget error, 4 last answer not JSON.
/// </summary>
internal static class PlanCommand
{
    public const int ExitLlmError = 3;
    public const int ExitUnparseable = 4;

    public static Command Create(CliContext context) => Create(context, LlmClients.Create);

    internal static Command Create(CliContext context, PlanClientFactory clientFactory)
    {
        var spec = new Option<FileInfo>("--spec") { Description = "The product specification (Markdown or text).", Required = true, HelpName = "FILE" };
        var outdir = new Option<DirectoryInfo>("--outdir") { Description = $"Where WO-NN.json and WORK_ORDERS_MANIFEST.json are written (default ./{RunAllCommand.DefaultPlanFolder}).", HelpName = "DIR", DefaultValueFactory = _ => new DirectoryInfo(RunAllCommand.DefaultPlanFolder) };
        var template = new Option<FileInfo?>("--template") { Description = "A prompt template to use instead of the built-in one; must contain {{PRODUCT_SPEC}}.", HelpName = "FILE" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace work orders already in --outdir." };
        var printSummary = new Option<bool>("--print-summary") { Description = "Print one line per work order on stdout." };
        var settingOptions = new SettingOptions(SettingScope.Plan);

        var command = new Command("plan", "Compile a product spec into validated work orders, asking the model to correct its own mistakes.");
        foreach (var option in new Option[] { spec, outdir, template, overwrite, printSummary })
        {
            command.Options.Add(option);
        }
        settingOptions.AddTo(command);

        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = context.OutputFor(parse);
            var (settings, errors) = settingOptions.Bind(parse);
            if (errors.Count > 0)
            {
                output.Report(errors);
                output.Error.WriteLine("Run 'llmc plan --help' for usage.");
                return ExitCodes.Usage;
            }
            var outDir = parse.GetValue(outdir)!.FullName;
            var repoDir = settings.RepoRoot ?? await DefaultRepositoryAsync(outDir, cancellationToken);
            var (ledger, ledgerError) = await RepositoryLedger.PrepareAsync(repoDir ?? Directory.GetCurrentDirectory(), cancellationToken);
            if (ledgerError is not null)
            {
                output.Report(ledgerError);
                return ExitCodes.Usage;
            }
            var (config, configErrors) = settings.LoadProjectConfig(repoDir);
            if (config is null)
            {
                output.Report(configErrors);
                return ExitCodes.Usage;
            }
            var (llm, attempts) = LlmcOptions.ForPlanner(settings.ToLlmSettings(ledger), settings.Attempts, config);
            var client = clientFactory(llm, out var clientErrors);
            if (client is null)
            {
                output.Report(clientErrors);
                return clientErrors.Any(e => e.Code.StartsWith("E3", StringComparison.Ordinal)) ? ExitLlmError : ExitCodes.Usage;
            }
            output.Info($"llmc plan: repository {repoDir ?? "(none: the plan starts from an empty tree)"}; output {outDir}");

            var options = new PlanCompileOptions
            {
                SpecPath = parse.GetValue(spec)!.FullName,
                OutDir = outDir,
                RepoRoot = repoDir,
                TemplatePath = parse.GetValue(template)?.FullName,
                ArtifactsDir = settings.ArtifactsDirectory,
                Overwrite = parse.GetValue(overwrite),
                MaxAttempts = attempts,
                Model = llm.Model,
                // Recording a cassette must not change the next request's repo hints (and so its cassette key).
                HintExclusions = llm.CassettesDirectory is null ? [] : [llm.CassettesDirectory],
            };
            var compiler = new PlanCompiler(client, progress: report => output.Progress.WriteLine(FormatProgress(report)));
            try
            {
                var result = await compiler.CompileAsync(options, cancellationToken);
                return Report(result, parse.GetValue(printSummary), output);
            }
            finally
            {
                (client as IDisposable)?.Dispose();
            }
        });
        return command;
    }

    /// <summary>The git top level of the output folder (or of its nearest existing parent), or none.</summary>
    private static async Task<string?> DefaultRepositoryAsync(string outDir, CancellationToken ct)
    {
        var probe = outDir;
        while (!Directory.Exists(probe) && Path.GetDirectoryName(probe) is { } parent) probe = parent;
        var (root, _) = await RepositoryLocator.FindAsync(null, probe, ct);
        return root;
    }

    private static int Report(PlanCompileResult result, bool printSummary, CliOutput output)
    {
        output.Report(result.Diagnostics);
        if (result.Success)
        {
            var manifest = result.Manifest!;
            if (printSummary)
            {
                foreach (var wo in manifest.WorkOrders)
                {
                    output.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{wo.Id}\t{(wo.VerifyExempt ? "exempt" : "verify")}\t{wo.AllowedFiles.Count} file(s)\t{wo.Title}"));
                }
            }
            var summary = result.Summary!;
            output.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"llmc plan: wrote {manifest.WorkOrders.Count} work order(s) to {Path.GetDirectoryName(result.WrittenFiles[^1])} after {summary.Attempts} attempt(s); {summary.InputTokens + summary.OutputTokens} tokens, {CostText.Describe(summary.CostUsd, summary.CostKnown)}; artifacts in {result.ArtifactsDir}"));
            return ExitCodes.Success;
        }
        if (result.ArtifactsDir is not null) output.Error.WriteLine($"llmc plan: no work orders written; artifacts in {result.ArtifactsDir}");
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
