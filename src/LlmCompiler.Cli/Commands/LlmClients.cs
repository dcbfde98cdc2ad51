using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;

namespace LlmCompiler.Cli.Commands;

/// <summary>Turns command-line LLM settings into the engine's model client.</summary>
internal static class LlmClients
{
    public static ILlmClient? Create(PlanLlmOptions options, out Diagnostic? error)
    {
        // The OpenAI session (cassettes, ledger, budget) is being built in the LLM layer; until it is merged
        // the CLI says so instead of pretending to call a model.
        error = DiagnosticCatalog.Create("E301", "this build of llmc has no LLM session yet (the LLM layer is not merged)");
        return null;
    }
}
