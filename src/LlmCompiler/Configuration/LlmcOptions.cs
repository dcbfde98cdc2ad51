using LlmCompiler.Configuration.Roles;
using LlmCompiler.Diagnostics;
using LlmCompiler.Factory;
using LlmCompiler.Llm;
using LlmCompiler.Sandbox;

namespace LlmCompiler.Configuration;

/// <summary>
/// The settings of a run after <see cref="Settings.Parse"/>: typed, checked, paths absolute; null means "the
/// default", which is resolved here, once, for every front-end. Holds the <em>name</em> of the key variable only;
/// the key is read by the LLM layer at the moment of each call.
/// </summary>
public sealed record LlmcOptions
{
    /// <summary>The default cassette folder of MSBuild, relative to the repository root.</summary>
    public const string DefaultCassettesFolder = "llmc/cassettes";

    public string? Model { get; init; }
    public Uri? Endpoint { get; init; }
    public string ApiKeyVariable { get; init; } = LlmSettings.DefaultApiKeyVariable;
    public LlmMode? Mode { get; init; }
    public string? CassettesDirectory { get; init; }
    public float? Temperature { get; init; }
    public int? MaxAttempts { get; init; }
    public int? MaxParallel { get; init; }
    public int? FlakeRuns { get; init; }
    public bool RetryFlaky { get; init; }
    public TimeSpan? CommandTimeout { get; init; }
    public decimal? MaxCostUsd { get; init; }
    public long? MaxTokens { get; init; }
    public string? PriceTablePath { get; init; }
    public TimeSpan? NetworkTimeout { get; init; }
    public TimeSpan? CallDeadline { get; init; }
    public IReadOnlyList<string>? VerifyCommand { get; init; }
    public string? ArtifactsDirectory { get; init; }
    public SandboxOptions Sandbox { get; init; } = new();
    public IReadOnlySet<string> Rerun { get; init; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
    public string? RepoRoot { get; init; }

    /// <summary>The model configuration file given (<c>--config</c>, <c>LlmcConfigFile</c>); null looks for <c>llmc.json</c> at the repository root.</summary>
    public string? ConfigFile { get; init; }
    public int? MaxFailedAttempts { get; init; }
    public int? MaxFailedWorkOrders { get; init; }
    public int? MaxTransportFailures { get; init; }
    public SettingsSource Source { get; init; }

    /// <summary>Attempts per plan or per work order: the same default for the planner and the factory.</summary>
    public int Attempts => MaxAttempts ?? 3;

    /// <summary>
    /// The cassette mode: as set, else (MSBuild) <c>auto</c>, or (command line) <c>auto</c> when a cassette folder
    /// is given and <c>live</c> otherwise. MSBuild's <c>replay</c> on CI is the targets' default, set as a property.
    /// </summary>
    public LlmMode ResolvedMode => Mode ?? (Source == SettingsSource.MSBuild || CassettesDirectory is not null ? LlmMode.Auto : LlmMode.Live);

    /// <summary>These settings with MSBuild's repository-relative defaults filled in once the repository is known.</summary>
    public LlmcOptions ForRepository(string? repoRoot) =>
        Source == SettingsSource.MSBuild && CassettesDirectory is null && repoRoot is not null
            ? this with { CassettesDirectory = Path.Combine(repoRoot, DefaultCassettesFolder) }
            : this;

    /// <summary>The LLM layer's settings; what is unset keeps the engine's defaults.</summary>
    /// <param name="ledgerPath">The run's cost ledger (JSONL), or null for none.</param>
    public LlmSettings ToLlmSettings(string? ledgerPath)
    {
        var defaults = new LlmSettings();
        return defaults with
        {
            LedgerPath = ledgerPath,
            Model = Model ?? defaults.Model,
            Endpoint = Endpoint,
            ApiKeyEnvironmentVariable = ApiKeyVariable,
            Mode = ResolvedMode,
            CassettesDirectory = CassettesDirectory,
            Temperature = Temperature ?? defaults.Temperature,
            MaxCostUsd = MaxCostUsd,
            MaxTokens = MaxTokens,
            PriceTablePath = PriceTablePath,
            NetworkTimeout = NetworkTimeout ?? defaults.NetworkTimeout,
            CallDeadline = CallDeadline ?? defaults.CallDeadline,
        };
    }

    /// <summary>
    /// The model configuration of this run: <see cref="ConfigFile"/> (or <c>llmc.json</c> at <paramref name="repoRoot"/>),
    /// then <c>LlmcRole</c> items (<paramref name="roleItems"/>, see <see cref="RoleItems"/>) over it, then the health
    /// settings over both. Errors are positioned in the file (E226, E227); never throws.
    /// </summary>
    public (ProjectConfig? Config, IReadOnlyList<Diagnostic> Errors) LoadProjectConfig(string? repoRoot, string? roleItems = null)
    {
        var (config, errors) = ProjectConfigReader.Load(ConfigFile, repoRoot);
        if (config is null) return (null, errors);
        var (items, itemErrors) = RoleItems.Parse(roleItems);
        if (itemErrors.Count > 0) return (null, itemErrors);
        config = config.WithRoles(items);
        return (config with
        {
            Health = config.Health with
            {
                MaxFailedAttempts = MaxFailedAttempts ?? config.Health.MaxFailedAttempts,
                MaxFailedWorkOrders = MaxFailedWorkOrders ?? config.Health.MaxFailedWorkOrders,
                MaxTransportFailures = MaxTransportFailures ?? config.Health.MaxTransportFailures,
            },
        }, []);
    }

    /// <summary>The planner's model settings and attempts: its role's binding where it has one, else the run's.</summary>
    public static (LlmSettings Settings, int Attempts) ForPlanner(LlmSettings llm, int attempts, ProjectConfig config)
    {
        var planner = config.Roles.Resolve(ModelRole.Planner, llm.Model, attempts);
        return (llm with
        {
            Model = planner.Model,
            Endpoint = planner.Endpoint ?? llm.Endpoint,
            ApiKeyEnvironmentVariable = planner.ApiKeyVariable ?? llm.ApiKeyEnvironmentVariable,
            Temperature = planner.Temperature ?? llm.Temperature,
        }, planner.Attempts);
    }

    /// <summary>The factory's settings; <paramref name="llm"/> is what the session really uses, so the summary records what was sent.</summary>
    public FactoryOptions ToFactoryOptions(LlmSettings llm, bool allowVerifyExempt = false, ProjectConfig? config = null)
    {
        var defaults = new FactoryOptions();
        config ??= ProjectConfig.Default;
        return defaults with
        {
            Roles = config.Roles,
            Review = config.Review,
            Health = config.Health,
            MaxAttempts = Attempts,
            MaxParallel = MaxParallel ?? 2,
            FlakeRuns = FlakeRuns ?? defaults.FlakeRuns,
            RetryFlaky = RetryFlaky,
            CommandTimeout = CommandTimeout ?? defaults.CommandTimeout,
            VerifyCommandOverride = VerifyCommand,
            AllowVerifyExempt = allowVerifyExempt,
            ApiKeyVariable = llm.ApiKeyEnvironmentVariable,
            OutDir = ArtifactsDirectory,
            Model = llm.Model,
            Temperature = llm.Temperature,
            Sandbox = Sandbox,
            CassettesDirectory = CassettesDirectory,
            Rerun = Rerun,
        };
    }
}
