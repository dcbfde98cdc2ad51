namespace LlmCompiler.Configuration.Roles;

/// <summary>
/// What one role is bound to; null fields fall back (an <c>LlmcRole</c> item over <c>llmc.json</c> over the run's
/// <c>LlmcModel</c>/<c>LlmcEndpoint</c>/<c>LlmcApiKeyEnv</c>). Only the <em>name</em> of the key variable is ever held.
/// </summary>
public sealed record RoleBinding
{
    public string? Model { get; init; }
    public Uri? Endpoint { get; init; }
    public string? ApiKeyVariable { get; init; }
    public float? Temperature { get; init; }
    public int? Attempts { get; init; }

    /// <summary>This binding with every field <paramref name="over"/> sets taking precedence.</summary>
    public RoleBinding OverriddenBy(RoleBinding? over) => over is null ? this : new RoleBinding
    {
        Model = over.Model ?? Model,
        Endpoint = over.Endpoint ?? Endpoint,
        ApiKeyVariable = over.ApiKeyVariable ?? ApiKeyVariable,
        Temperature = over.Temperature ?? Temperature,
        Attempts = over.Attempts ?? Attempts,
    };
}

/// <summary>A role as a call uses it: the model, and the endpoint, key variable and temperature when they differ from the run's.</summary>
/// <param name="Bound">Whether the configuration names this role (an unbound <c>escalation</c> has no rung).</param>
public sealed record ResolvedRole(ModelRole Role, string Model, Uri? Endpoint, string? ApiKeyVariable, float? Temperature, int Attempts, bool Bound)
{
    public string Name => ModelRoles.Name(Role);
}
