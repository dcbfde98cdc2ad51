namespace LlmCompiler.Configuration.Roles;

/// <summary>
/// Every role's binding for one run. With no configuration every role uses the run's model and there is no
/// <c>escalation</c> rung and no review: the behaviour of a single <c>LlmcModel</c>.
/// </summary>
public sealed record RoleSet
{
    /// <summary>Attempts of the test author when its role does not say (the first and two retries with the red run's verdict).</summary>
    public const int DefaultTestAuthorAttempts = 3;

    /// <summary>Attempts of the escalation role when it is bound without saying.</summary>
    public const int DefaultEscalationAttempts = 1;

    public static RoleSet None { get; } = new();

    /// <summary>The roles the configuration binds (llmc.json, then <c>LlmcRole</c> items over it).</summary>
    public IReadOnlyDictionary<ModelRole, RoleBinding> Bindings { get; init; } = new Dictionary<ModelRole, RoleBinding>();

    public bool IsBound(ModelRole role) => Bindings.ContainsKey(role);

    /// <summary>This set with <paramref name="over"/>'s bindings taking precedence, field by field.</summary>
    public RoleSet OverriddenBy(RoleSet over)
    {
        var merged = new Dictionary<ModelRole, RoleBinding>(Bindings);
        foreach (var (role, binding) in over.Bindings) merged[role] = merged.TryGetValue(role, out var mine) ? mine.OverriddenBy(binding) : binding;
        return new RoleSet { Bindings = merged };
    }

    /// <summary>
    /// The role as calls use it: its own model, else <paramref name="defaultModel"/> (the run's); its attempts, else the
    /// run's <paramref name="defaultAttempts"/> for the executor and planner, three for the test author, one for escalation
    /// (zero when it is not bound: no such rung).
    /// </summary>
    public ResolvedRole Resolve(ModelRole role, string defaultModel, int defaultAttempts)
    {
        var bound = Bindings.TryGetValue(role, out var binding);
        var attempts = binding?.Attempts ?? role switch
        {
            ModelRole.Escalation => bound ? DefaultEscalationAttempts : 0,
            ModelRole.TestAuthor => DefaultTestAuthorAttempts,
            ModelRole.Reviewer => 1,
            _ => defaultAttempts,
        };
        return new ResolvedRole(role, binding?.Model ?? defaultModel, binding?.Endpoint, binding?.ApiKeyVariable, binding?.Temperature, attempts, bound);
    }
}
