using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Cli.Commands;

/// <summary>Opens the engine's model session (OpenAI SDK, cassettes, ledger, budget) for a command.</summary>
internal static class LlmClients
{
    public static ILlmClient? Create(LlmSettings settings, out IReadOnlyList<Diagnostic> errors) =>
        Create(settings, Environment.GetEnvironmentVariable, out errors);

    /// <param name="environment">Where the API key (and endpoint fallbacks) are read from at call time.</param>
    public static ILlmClient? Create(LlmSettings settings, Func<string, string?> environment, out IReadOnlyList<Diagnostic> errors)
    {
        var (session, sessionErrors) = LlmSession.Create(settings, environment: environment);
        errors = sessionErrors;
        return session;
    }
}
