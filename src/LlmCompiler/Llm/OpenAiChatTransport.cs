using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text.Json;
using LlmCompiler.Diagnostics;
using OpenAI;
using OpenAI.Chat;

namespace LlmCompiler.Llm;

/// <summary>What came back from the endpoint when it answered with a chat completion (of any quality).</summary>
internal sealed record CompletedExchange(
    string Text,
    string? Refusal,
    string FinishReason,
    string Model,
    int InputTokens,
    int OutputTokens,
    bool UsageReported,
    long BodyBytes);

/// <summary>
/// One Chat Completions call through the official SDK, with our retry policy and timeout in its pipeline.
/// HTTP and SDK failures become E301 with status and request id; cancellation is left to the caller to classify.
/// </summary>
internal static class OpenAiChatTransport
{
    /// <summary>Largest response body or text accepted (the original's 10 MiB).</summary>
    public const int MaxResponseBytes = 10 * 1024 * 1024;

    public static async Task<(CompletedExchange? Exchange, Diagnostic? Error)> CompleteAsync(
        LlmSettings settings,
        Uri endpoint,
        string credential,
        CanonicalRequest request,
        PipelineTransport? transport,
        CancellationToken cancellationToken)
    {
        var options = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            RetryPolicy = new CappedRetryPolicy(settings.MaxRetries, settings.RetryAfterCap, settings.RetryBaseDelay),
            NetworkTimeout = settings.NetworkTimeout,

            // A client is built per call (the key is read per call); they all share one connection pool.
            Transport = transport ?? BoundedHttpTransport.Shared,
        };

        var client = new ChatClient(request.Model, new ApiKeyCredential(credential), options);
        var chatOptions = new ChatCompletionOptions { MaxOutputTokenCount = request.MaxOutputTokens };
        if (request.Temperature is { } temperature)
        {
            chatOptions.Temperature = temperature;
        }

        if (request.ResponseFormat is { } format)
        {
            chatOptions.ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat(
                format.Name, BinaryData.FromString(format.Schema), jsonSchemaIsStrict: true);
        }

        var messages = request.Messages.Select(ToChatMessage).ToList();
        try
        {
            var result = await client.CompleteChatAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
            var completion = result.Value;
            var bodyBytes = result.GetRawResponse().Content.ToMemory().Length;
            var text = string.Concat(completion.Content.Where(p => p.Kind == ChatMessageContentPartKind.Text).Select(p => p.Text));
            var usage = completion.Usage;
            return (new CompletedExchange(
                text,
                completion.Refusal,
                FinishReasonName(completion.FinishReason),
                string.IsNullOrEmpty(completion.Model) ? request.Model : completion.Model,
                // A server that reports negative usage must not pay into the budget or the ledger.
                Math.Max(0, usage?.InputTokenCount ?? 0),
                Math.Max(0, usage?.OutputTokenCount ?? 0),
                usage is not null,
                bodyBytes), null);
        }
        catch (Exception e) when (Find<ResponseTooLargeException>(e) is { } tooLarge)
        {
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.ResponseTooLarge,
                $"The response is larger than {tooLarge.Limit / (1024 * 1024)} MiB; reading stopped there and the answer was not used."));
        }
        catch (AggregateException e)
        {
            // The retry policy aggregates the exception of every failed attempt. Cancellation (caller or deadline)
            // wins over whatever failed before it.
            cancellationToken.ThrowIfCancellationRequested();
            var inner = e.Flatten().InnerExceptions;
            if (inner.Count > 0 && inner.All(x => x is OperationCanceledException))
            {
                throw new OperationCanceledException("Every attempt timed out.", e, cancellationToken);
            }

            var last = inner.LastOrDefault(x => x is not OperationCanceledException) ?? e;
            if (last is ClientResultException { Status: not 0 } http)
            {
                return (null, HttpFailure(settings, request.Model, endpoint, http));
            }

            return (null, Transport(endpoint, $"the connection failed on all {inner.Count} attempt(s) ({Inner(last)})"));
        }
        catch (ClientResultException e) when (e.Status != 0)
        {
            return (null, HttpFailure(settings, request.Model, endpoint, e));
        }
        catch (ClientResultException e)
        {
            return (null, Transport(endpoint, $"the connection failed ({Inner(e)})"));
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return (null, Transport(endpoint, $"the connection failed after {settings.MaxRetries + 1} attempt(s) ({Inner(e)})"));
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            return (null, DiagnosticCatalog.Create(DiagnosticCodes.Unparseable, $"The endpoint {LlmSettings.Display(endpoint)} answered with a body that is not a chat completion ({e.GetType().Name})."));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The SDK may throw types we have not met; the contract is a diagnostic, never an escaped exception.
            // The session redacts the message before it leaves.
            return (null, Transport(endpoint, $"unexpected {e.GetType().Name}: {e.Message}"));
        }
    }

    /// <summary>Lower-case wire name (<c>stop</c>, <c>length</c>, <c>content_filter</c>, <c>tool_calls</c>, <c>function_call</c>).</summary>
    public static string FinishReasonName(ChatFinishReason reason) => reason switch
    {
        ChatFinishReason.Stop => "stop",
        ChatFinishReason.Length => "length",
        ChatFinishReason.ContentFilter => "content_filter",
        ChatFinishReason.ToolCalls => "tool_calls",
        ChatFinishReason.FunctionCall => "function_call",
        _ => reason.ToString().ToLowerInvariant(),
    };

    private static ChatMessage ToChatMessage(LlmMessage message) => message.Role switch
    {
        "system" => new SystemChatMessage(message.Content),
        "user" => new UserChatMessage(message.Content),
        "assistant" => new AssistantChatMessage(message.Content),
        _ => throw new ArgumentException($"Unknown message role '{message.Role}'."), // LlmSession validates roles first
    };

    private static Diagnostic HttpFailure(LlmSettings settings, string model, Uri endpoint, ClientResultException e)
    {
        var response = e.GetRawResponse();
        var requestId = response is not null && response.Headers.TryGetValue("x-request-id", out var id) ? id : null;
        var serverMessage = ServerMessage(response);
        var status = e.Status;
        var what = status switch
        {
            401 => $"authentication failed: check that the environment variable {settings.ApiKeyEnvironmentVariable} holds a valid key for this endpoint",
            403 => "access denied: the key has no permission for this model or endpoint",
            404 => $"not found: check the endpoint URL and that model '{model}' exists there",
            400 => "the request was rejected as invalid",
            429 when CappedRetryPolicy.RetryAfter(response) is { } wait && wait > settings.RetryAfterCap =>
                $"rate limited until {(DateTimeOffset.UtcNow + wait).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC "
                + $"(Retry-After {wait.TotalSeconds:0} s is over the {settings.RetryAfterCap.TotalSeconds:0} s cap, so the build does not wait)",
            429 => $"rate limited, still after {settings.MaxRetries + 1} attempt(s)",
            >= 500 => $"server error, still after {settings.MaxRetries + 1} attempt(s)",
            _ => "unexpected response",
        };
        var message = $"The endpoint {LlmSettings.Display(endpoint)} answered HTTP {status}: {what}."
            + (requestId is null ? "" : $" Request id: {requestId}.")
            + (serverMessage is null ? "" : $" Server said: \"{serverMessage}\".");
        return DiagnosticCatalog.Create(DiagnosticCodes.TransportFailed, message);
    }

    /// <summary>The OpenAI-style <c>error.message</c> of an error body, shortened; never the raw body.</summary>
    private static string? ServerMessage(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        try
        {
            var content = response.Content.ToMemory();
            if (content.Length is 0 or > 64 * 1024)
            {
                return null;
            }

            using var document = JsonDocument.Parse(content);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.Object
                && error.TryGetProperty("message", out var message)
                && message.ValueKind == JsonValueKind.String)
            {
                var text = message.GetString() ?? "";
                return text.Length > 300 ? text[..300] + "…" : text;
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not an OpenAI error body; the status says enough.
        }

        return null;
    }

    private static Diagnostic Transport(Uri endpoint, string what) =>
        DiagnosticCatalog.Create(DiagnosticCodes.TransportFailed, $"Calling {LlmSettings.Display(endpoint)} failed: {what}.");

    private static T? Find<T>(Exception e) where T : Exception
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is T match) return match;
            if (current is AggregateException aggregate && aggregate.Flatten().InnerExceptions.Select(Find<T>).FirstOrDefault(x => x is not null) is { } inner) return inner;
        }
        return null;
    }

    private static string Inner(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        return innermost.Message;
    }
}
