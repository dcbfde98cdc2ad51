namespace LlmCompiler.Configuration.Roles;

/// <summary>
/// The run's health budget, checked before every attempt and every model call. A run over it stops calling models;
/// over <see cref="MaxFailedWorkOrders"/> it only stops starting new work orders (running ones finish).
/// </summary>
public sealed record HealthLimits
{
    public const int DefaultMaxFailedAttempts = 20;
    public const int DefaultMaxFailedWorkOrders = 3;
    public const int DefaultMaxTransportFailures = 6;

    /// <summary>Different work orders failing with the same first tool diagnostic that make the failure systemic.</summary>
    public const int SystemicWorkOrders = 3;

    public static HealthLimits Default { get; } = new();

    /// <summary>Failed attempts of the whole run (every role, every work order).</summary>
    public int MaxFailedAttempts { get; init; } = DefaultMaxFailedAttempts;
    public int MaxFailedWorkOrders { get; init; } = DefaultMaxFailedWorkOrders;

    /// <summary>Model calls that failed in transport (or hit their deadline) after the SDK's own retries.</summary>
    public int MaxTransportFailures { get; init; } = DefaultMaxTransportFailures;
}
