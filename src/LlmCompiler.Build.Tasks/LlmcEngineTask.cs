namespace LlmCompiler.Build.Tasks;

/// <summary>
/// Parameter surface shared by the tasks that call a model (CompileWorkOrders, ExecuteWorkOrder): the
/// <c>Llmc*</c> properties as strings, validated into <see cref="LlmcSettings"/> in one place. There is no key
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

    /// <summary>Validates the settings, logging each problem as E500; null when any was invalid.</summary>
    internal LlmcSettings? ReadSettings()
    {
        var projectDirectory = string.IsNullOrWhiteSpace(ProjectDirectory) ? Directory.GetCurrentDirectory() : ProjectDirectory!;
        var (settings, diagnostics) = LlmcSettingsParser.Parse(
            new LlmcRawSettings(Model, Endpoint, ApiKeyEnvironmentVariable, Mode, CassettesDirectory, MaxAttempts, TimeoutSeconds,
                MaxCostUsd, VerifyCommand, ArtifactsDirectory)
            {
                Sandbox = Sandbox, SandboxNetwork = SandboxNetwork, PassEnvironment = PassEnvironment,
                NetworkTimeoutSeconds = NetworkTimeoutSeconds, CallDeadlineSeconds = CallDeadlineSeconds,
                PriceTable = PriceTable, MaxTokens = UsageBudget,
            },
            projectDirectory);
        foreach (var diagnostic in diagnostics) MSBuildDiagnosticLogger.Report(Log, diagnostic);
        return diagnostics.Count == 0 ? settings : null;
    }
}
