using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Cli.Commands;

/// <summary>Turns command-line LLM settings (of every command) into the engine's model session (OpenAI SDK, cassettes, ledger, budget).</summary>
internal static class LlmClients
{
    public static ILlmClient? Create(LlmOptions options, out IReadOnlyList<Diagnostic> errors) =>
        Create(options, Environment.GetEnvironmentVariable, out errors);

    /// <param name="environment">Where the API key (and endpoint fallbacks) are read from at call time.</param>
    public static ILlmClient? Create(LlmOptions options, Func<string, string?> environment, out IReadOnlyList<Diagnostic> errors)
    {
        var settings = ToSettings(options, out var settingErrors);
        if (settings is null)
        {
            errors = settingErrors;
            return null;
        }
        var (session, sessionErrors) = LlmSession.Create(settings, environment: environment);
        errors = sessionErrors;
        return session;
    }

    internal static LlmSettings? ToSettings(LlmOptions options, out IReadOnlyList<Diagnostic> errors)
    {
        var problems = new List<Diagnostic>();
        Uri? endpoint = null;
        if (options.Endpoint is not null && !Uri.TryCreate(options.Endpoint, UriKind.Absolute, out endpoint))
        {
            problems.Add(DiagnosticCatalog.Create("E500", $"--endpoint '{options.Endpoint}' is not an absolute URL", field: "endpoint"));
        }
        // Giving a cassette folder without a mode means "reuse what is recorded, record what is not".
        var mode = options.CassettesDirectory is null ? LlmMode.Live : LlmMode.Auto;
        if (options.Mode is not null && !LlmSettings.TryParseMode(options.Mode, out mode))
        {
            problems.Add(DiagnosticCatalog.Create("E500", $"--llm-mode '{options.Mode}' is not live, record, replay or auto", field: "llm-mode"));
        }
        errors = problems;
        if (problems.Count > 0) return null;

        var defaults = new LlmSettings();
        return defaults with
        {
            Model = options.Model ?? defaults.Model,
            Endpoint = endpoint,
            ApiKeyEnvironmentVariable = options.ApiKeyEnvironmentVariable,
            Mode = mode,
            CassettesDirectory = options.CassettesDirectory,
            MaxCostUsd = options.MaxCostUsd,
            LedgerPath = options.LedgerPath,
            Temperature = options.Temperature ?? defaults.Temperature,
            NetworkTimeout = options.NetworkTimeout ?? defaults.NetworkTimeout,
            CallDeadline = options.CallDeadline ?? defaults.CallDeadline,
            PriceTablePath = options.PriceTablePath,
            MaxTokens = options.MaxTokens,
        };
    }
}
