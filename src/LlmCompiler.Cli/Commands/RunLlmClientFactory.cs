using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Cli.Commands;

/// <summary>Model settings of <c>llmc run</c> / <c>run-all</c>, as given on the command line.</summary>
internal sealed record RunLlmSettings(string Model, string? Endpoint, string ApiKeyVariable, LlmMode Mode, string? CassettesDir, double Temperature, decimal? MaxCostUsd);

/// <summary>The one place the run commands build their model session (OpenAI SDK, cassettes, ledger, budget).</summary>
internal static class RunLlmClientFactory
{
    /// <summary>The session, or the E500/E309 diagnostics that explain why the settings are unusable.</summary>
    public static (LlmSession? Session, IReadOnlyList<Diagnostic> Errors) Create(RunLlmSettings settings)
    {
        Uri? endpoint = null;
        if (settings.Endpoint is { Length: > 0 } text && !Uri.TryCreate(text, UriKind.Absolute, out endpoint))
        {
            return (null, [DiagnosticCatalog.Create("E500", $"--endpoint '{text}' is not an absolute URL", field: "endpoint")]);
        }
        return LlmSession.Create(new LlmSettings
        {
            Model = settings.Model,
            Endpoint = endpoint,
            ApiKeyEnvironmentVariable = settings.ApiKeyVariable,
            Temperature = (float)settings.Temperature,
            Mode = settings.Mode,
            CassettesDirectory = settings.CassettesDir,
            MaxCostUsd = settings.MaxCostUsd,
        });
    }
}
