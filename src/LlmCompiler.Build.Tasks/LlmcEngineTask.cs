using LlmCompiler.Configuration;

namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Parameter surface shared by the tasks that call a model (CompileWorkOrders, ExecuteWorkOrder): the
/// <c>Llmc*</c> properties as strings, validated by the engine's <see cref="Settings"/> (the same parser as <c>llmc</c>'s). There is no key
/// parameter on purpose: task parameters are written to binary logs; the engine reads the variable named by
/// <see cref="ApiKeyEnvironmentVariable"/> when it makes the call.
/// </summary>
public abstract class LlmcEngineTask : LlmcTask
{
    public string? Model { get; set; }
    public string? Endpoint { get; set; }
    public string? ApiKeyEnvironmentVariable { get; set; }
    public string? Mode { get; set; }
    public string? CassettesDirectory { get; set; }
    public string? MaxAttempts { get; set; }
    public string? TimeoutSeconds { get; set; }
    public string? MaxCostUsd { get; set; }
    public string? VerifyCommand { get; set; }
    public string? ArtifactsDirectory { get; set; }
    public string? RepoRoot { get; set; }
    public string? ProjectDirectory { get; set; }
    public string? Sandbox { get; set; }
    public string? SandboxNetwork { get; set; }
    public string? PassEnvironment { get; set; }
    public string? NetworkTimeoutSeconds { get; set; }
    public string? CallDeadlineSeconds { get; set; }
    public string? PriceTable { get; set; }
    /// <summary>Live tokens (input + output) the run may use, from <c>$(LlmcMaxTokens)</c>; named so no parameter looks like a secret.</summary>
    public string? UsageBudget { get; set; }

    /// <summary>Work orders at once, from <c>$(LlmcMaxParallel)</c>.</summary>
    public string? MaxParallel { get; set; }

    /// <summary>From <c>$(LlmcFlakeRuns)</c>.</summary>
    public string? FlakeRuns { get; set; }

    /// <summary>From <c>$(LlmcRetryFlaky)</c>.</summary>
    public string? RetryFlaky { get; set; }

    /// <summary>Sampling temperature, from <c>$(LlmcTemperature)</c>.</summary>
    public string? Temperature { get; set; }

    /// <summary>Work-order ids to execute again even though they landed (<c>$(LlmcRerun)</c>, ';'-separated).</summary>
    public string? Rerun { get; set; }

    /// <summary>The model configuration file, from <c>$(LlmcConfigFile)</c>; empty looks for <c>llmc.json</c> at the repository root.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The <c>LlmcRole</c> items, flattened by the targets (see the engine's <c>RoleItems</c>).</summary>
    public string? RoleItems { get; set; }

    /// <summary>From <c>$(LlmcMaxFailedAttempts)</c>, <c>$(LlmcMaxFailedWorkOrders)</c>, <c>$(LlmcMaxTransportFailures)</c>.</summary>
    public string? MaxFailedAttempts { get; set; }
    public string? MaxFailedWorkOrders { get; set; }
    public string? MaxTransportFailures { get; set; }

    /// <summary>Validates the settings through the engine's one settings parser, logging each problem as E500 naming the property; null when any was invalid.</summary>
    internal LlmcOptions? ReadSettings()
    {
        var projectDirectory = string.IsNullOrWhiteSpace(ProjectDirectory) ? Directory.GetCurrentDirectory() : ProjectDirectory!;
        var raw = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [Settings.Model] = Model, [Settings.Endpoint] = Endpoint, [Settings.ApiKeyEnv] = ApiKeyEnvironmentVariable,
            [Settings.Mode] = Mode, [Settings.Cassettes] = CassettesDirectory, [Settings.Temperature] = Temperature,
            [Settings.MaxAttempts] = MaxAttempts, [Settings.TimeoutSeconds] = TimeoutSeconds, [Settings.MaxCostUsd] = MaxCostUsd,
            [Settings.MaxTokens] = UsageBudget, [Settings.PriceTable] = PriceTable, [Settings.NetworkTimeoutSeconds] = NetworkTimeoutSeconds,
            [Settings.CallDeadlineSeconds] = CallDeadlineSeconds, [Settings.VerifyCommand] = VerifyCommand, [Settings.ArtifactsDir] = ArtifactsDirectory,
            [Settings.Sandbox] = Sandbox, [Settings.SandboxNetwork] = SandboxNetwork, [Settings.PassEnvironment] = PassEnvironment,
            [Settings.Rerun] = Rerun, [Settings.RepoRoot] = RepoRoot, [Settings.MaxParallel] = MaxParallel,
            [Settings.FlakeRuns] = FlakeRuns, [Settings.RetryFlaky] = RetryFlaky, [Settings.ConfigFile] = ConfigFile,
            [Settings.MaxFailedAttempts] = MaxFailedAttempts, [Settings.MaxFailedWorkOrders] = MaxFailedWorkOrders, [Settings.MaxTransportFailures] = MaxTransportFailures,
        };
        var (settings, diagnostics) = Settings.Parse(name => raw.GetValueOrDefault(name), SettingsSource.MSBuild, projectDirectory);
        foreach (var diagnostic in diagnostics) MSBuildDiagnosticLogger.Report(Log, diagnostic);
        return diagnostics.Count == 0 ? settings : null;
    }

    /// <summary>The model configuration (llmc.json and the LlmcRole items), each problem logged at its file and line; null when any.</summary>
    internal Configuration.Roles.ProjectConfig? ReadProjectConfig(LlmcOptions settings, string? repoRoot)
    {
        var (config, errors) = settings.LoadProjectConfig(repoRoot, RoleItems);
        foreach (var error in errors) MSBuildDiagnosticLogger.Report(Log, error);
        return config;
    }
}
