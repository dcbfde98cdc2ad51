using System.ClientModel;
using System.Diagnostics;
using LlmCompiler.Diagnostics;
using LlmCompiler.Llm;
using OpenAI;
using OpenAI.Chat;

namespace LlmCompiler.Cli.Commands;

/// <summary>Model settings of <c>llmc run</c> / <c>run-all</c>, as given on the command line.</summary>
internal sealed record RunLlmSettings(string Model, string? Endpoint, string ApiKeyVariable, string Mode, string? CassettesDir, double Temperature, decimal? MaxCostUsd);

/// <summary>
/// The one place the run commands build their model client. Until the LLM layer's session type (cassettes,
/// budget, ledger, capped retries) is merged this is a plain live Chat Completions client over the official
/// OpenAI SDK; replacing the body of <see cref="Create"/> is the whole swap.
/// </summary>
internal static class RunLlmClientFactory
{
    public static ILlmClient Create(RunLlmSettings settings)
    {
        if (!settings.Mode.Equals("live", StringComparison.OrdinalIgnoreCase))
        {
            return new RefusingClient(DiagnosticCatalog.Create("E309", $"--llm-mode {settings.Mode} needs the cassette session of the LLM layer, which this build does not have yet; use --llm-mode live"));
        }
        return new LiveChatClient(settings);
    }

    private sealed class RefusingClient(Diagnostic error) : ILlmClient
    {
        public Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken) => Task.FromResult(LlmResult.Fail(error));
    }

    private sealed class LiveChatClient(RunLlmSettings settings) : ILlmClient
    {
        public async Task<LlmResult> CompleteAsync(LlmRequest request, CancellationToken cancellationToken)
        {
            // Read at the moment of use, never stored in a field, an option or a message.
            var key = Environment.GetEnvironmentVariable(settings.ApiKeyVariable);
            if (string.IsNullOrEmpty(key))
            {
                return LlmResult.Fail(DiagnosticCatalog.Create("E300", $"environment variable {settings.ApiKeyVariable} is not set (it must hold the API key for the endpoint)"));
            }
            var options = new OpenAIClientOptions { NetworkTimeout = TimeSpan.FromSeconds(120) };
            if (settings.Endpoint is { Length: > 0 } endpoint) options.Endpoint = new Uri(endpoint);
            var client = new ChatClient(settings.Model, new ApiKeyCredential(key), options);
            var messages = request.Messages.Select(m => m.Role switch
            {
                "system" => (ChatMessage)new SystemChatMessage(m.Content),
                "assistant" => new AssistantChatMessage(m.Content),
                _ => new UserChatMessage(m.Content),
            }).ToList();
            var stopwatch = Stopwatch.StartNew();
            try
            {
                ChatCompletion completion = await client.CompleteChatAsync(messages, new ChatCompletionOptions { Temperature = (float)settings.Temperature }, cancellationToken).ConfigureAwait(false);
                if (completion.FinishReason == ChatFinishReason.Length)
                {
                    return LlmResult.Fail(DiagnosticCatalog.Create("E302", "the model's answer was cut by the token limit"));
                }
                if (completion.FinishReason == ChatFinishReason.ContentFilter || !string.IsNullOrEmpty(completion.Refusal))
                {
                    return LlmResult.Fail(DiagnosticCatalog.Create("E304", $"the model refused: {completion.Refusal}"));
                }
                var text = string.Concat(completion.Content.Select(p => p.Text));
                return LlmResult.Ok(new LlmResponse
                {
                    Text = text, Model = completion.Model ?? settings.Model, FinishReason = completion.FinishReason.ToString(),
                    InputTokens = completion.Usage?.InputTokenCount ?? 0, OutputTokens = completion.Usage?.OutputTokenCount ?? 0,
                    Latency = stopwatch.Elapsed,
                });
            }
            catch (ClientResultException ex)
            {
                // The SDK's message never contains the key; status and the server's words are what the user needs.
                return LlmResult.Fail(DiagnosticCatalog.Create("E301", $"the endpoint answered HTTP {ex.Status}: {ex.Message.Replace(key, "[REDACTED]", StringComparison.Ordinal)}"));
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or (OperationCanceledException and not TaskCanceledException { CancellationToken.IsCancellationRequested: true }) && !cancellationToken.IsCancellationRequested)
            {
                return LlmResult.Fail(DiagnosticCatalog.Create("E301", $"could not reach the endpoint: {ex.Message}"));
            }
        }
    }
}
