using System.ClientModel.Primitives;
using System.Globalization;

namespace LlmCompiler.Llm;

/// <summary>
/// The SDK's retry policy with two changes: a server's <c>Retry-After</c> (or <c>retry-after-ms</c>) longer than
/// the cap is not waited for at all (the build fails fast instead of sleeping), and every delay is clamped to the
/// cap. Which responses are retried stays the SDK's decision (408, 429, 5xx, I/O errors, network timeouts).
/// </summary>
internal sealed class CappedRetryPolicy : ClientRetryPolicy
{
    private readonly TimeSpan _cap;
    private readonly TimeSpan _baseDelay;

    public CappedRetryPolicy(int maxRetries, TimeSpan cap, TimeSpan baseDelay)
        : base(maxRetries)
    {
        _cap = cap;
        _baseDelay = baseDelay;
    }

    protected override bool ShouldRetry(PipelineMessage message, Exception? exception) =>
        base.ShouldRetry(message, exception) && !RetryAfterExceedsCap(message);

    protected override async ValueTask<bool> ShouldRetryAsync(PipelineMessage message, Exception? exception) =>
        await base.ShouldRetryAsync(message, exception).ConfigureAwait(false) && !RetryAfterExceedsCap(message);

    protected override void OnSendingRequest(PipelineMessage message)
    {
        CallAttempts.Current?.Increment();
        base.OnSendingRequest(message);
    }

    protected override ValueTask OnSendingRequestAsync(PipelineMessage message)
    {
        CallAttempts.Current?.Increment();
        return base.OnSendingRequestAsync(message);
    }

    protected override TimeSpan GetNextDelay(PipelineMessage message, int tryCount)
    {
        // Exponential back-off with ±20 % jitter so parallel callers do not retry in lock-step.
        var exponent = Math.Clamp(tryCount - 1, 0, 16);
        var backoff = TimeSpan.FromTicks((long)(_baseDelay.Ticks * Math.Pow(2, exponent) * (0.8 + (Random.Shared.NextDouble() * 0.4))));
        var retryAfter = RetryAfter(message.Response);
        var delay = retryAfter is { } ra && ra > backoff ? ra : backoff;
        return delay > _cap ? _cap : delay;
    }

    private bool RetryAfterExceedsCap(PipelineMessage message) => RetryAfter(message.Response) is { } ra && ra > _cap;

    /// <summary>The server's requested wait: <c>retry-after-ms</c>, else <c>Retry-After</c> in seconds or as an HTTP date.</summary>
    internal static TimeSpan? RetryAfter(PipelineResponse? response)
    {
        if (response is null)
        {
            return null;
        }

        if (response.Headers.TryGetValue("retry-after-ms", out var ms)
            && double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) && milliseconds >= 0)
        {
            return TimeSpan.FromMilliseconds(milliseconds);
        }

        if (!response.Headers.TryGetValue("Retry-After", out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            var wait = when - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}

/// <summary>Counts the HTTP attempts of the call running on this async flow (for the ledger).</summary>
internal sealed class CallAttempts
{
    private static readonly AsyncLocal<CallAttempts?> Slot = new();
    private int _count;

    public static CallAttempts? Current => Slot.Value;

    public int Count => Volatile.Read(ref _count);

    public static CallAttempts Begin()
    {
        var attempts = new CallAttempts();
        Slot.Value = attempts;
        return attempts;
    }

    public void Increment() => Interlocked.Increment(ref _count);
}
