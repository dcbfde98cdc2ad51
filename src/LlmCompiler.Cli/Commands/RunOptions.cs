using System.CommandLine;
using System.Globalization;
using LlmCompiler.Cli.Output;
using LlmCompiler.Configuration;
using LlmCompiler.Factory;
using LlmCompiler.Validation;

namespace LlmCompiler.Cli.Commands;

/// <summary>The options <c>llmc run</c> and <c>llmc run-all</c> share (from the settings table), and what they become.</summary>
internal sealed class RunOptions
{
    private readonly SettingOptions _settings;

    public RunOptions(params string[] excluded) =>
        _settings = new SettingOptions(SettingScope.Run | SettingScope.Model, new Dictionary<string, string> { [Settings.ArtifactsDir] = "--out" }, excluded);

    public Option<bool> AllowVerifyExempt { get; } = new("--allow-verify-exempt") { Description = "Run verify_exempt work orders without global verification." };

    public void AddTo(Command command)
    {
        _settings.AddTo(command);
        command.Options.Add(AllowVerifyExempt);
    }

    /// <summary>
    /// Resolves the repository, parses the settings and opens the model session (with the repository's cost ledger);
    /// on failure the reason is already printed and the result is null.
    /// </summary>
    public async Task<RunSetup?> OpenAsync(ParseResult parse, string commandName, string planPath, IReadOnlyDictionary<string, string?>? extra, CliOutput output, CancellationToken ct)
    {
        var (settings, errors) = _settings.Bind(parse, extra);
        if (errors.Count > 0)
        {
            output.Report(errors);
            output.Error.WriteLine($"Run 'llmc {commandName} --help' for usage.");
            return null;
        }
        var (repo, repoError) = await RepositoryLocator.ForPlanAsync(settings.RepoRoot, planPath, ct);
        if (repo is null)
        {
            output.Fail(commandName, repoError!);
            return null;
        }
        var (ledger, ledgerError) = await RepositoryLedger.PrepareAsync(repo, ct);
        if (ledgerError is not null)
        {
            output.Report(ledgerError);
            return null;
        }
        var (config, configErrors) = settings.LoadProjectConfig(repo);
        if (config is null)
        {
            output.Report(configErrors);
            return null;
        }
        var llm = settings.ToLlmSettings(ledger);
        var session = LlmClients.Create(llm, out var sessionErrors);
        if (session is null)
        {
            output.Report(sessionErrors);
            return null;
        }
        var options = settings.ToFactoryOptions(llm, parse.GetValue(AllowVerifyExempt), config);
        output.Info(string.Create(CultureInfo.InvariantCulture,
            $"llmc {commandName}: repository {repo}; model {llm.Model} ({LlmCompiler.Llm.LlmSettings.FormatMode(llm.Mode)}); up to {options.MaxAttempts} attempt(s) per work order; sandbox {LlmCompiler.Sandbox.SandboxModes.Format(options.Sandbox.Mode)}"));
        if (config.SourcePath is not null || config.Roles.Bindings.Count > 0)
        {
            output.Info($"llmc {commandName}: roles from {config.SourcePath ?? "the command line"}: {LlmCompiler.Configuration.Roles.RoleText.Describe(config, llm.Model, options.MaxAttempts)}");
        }
        output.Info($"llmc {commandName}: endpoint {LlmCompiler.Llm.LlmSettings.Display(llm.ResolveEndpoint())}; cassettes {llm.CassettesDirectory ?? "(none)"}; ledger {ledger}", Verbosity.Verbose);
        return new RunSetup(repo, options, session);
    }
}

/// <summary>What a run command needs once its options are checked: the repository, the engine settings, the model.</summary>
internal sealed record RunSetup(string Repository, FactoryOptions Options, Llm.ILlmClient Session);
