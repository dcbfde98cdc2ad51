namespace LlmCompiler.Build.Tests.TestSupport;

/// <summary>The package packed from this source tree, with a version no cache has seen, in a folder feed.</summary>
internal sealed record PackedPackage(string Root, string FeedDirectory, string PackagesDirectory, string Version)
{
    /// <summary>
    /// A product's <c>nuget.config</c>: source mapping sends <c>LlmCompiler.*</c> to the local feed only, so restoring
    /// never asks a remote feed for it.
    /// </summary>
    public string NuGetConfig => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="llmc-local" value="{FeedDirectory}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="llmc-local"><package pattern="LlmCompiler.*" /></packageSource>
            <packageSource key="nuget.org"><package pattern="*" /></packageSource>
          </packageSourceMapping>
        </configuration>
        """;
}

/// <summary>
/// Packs <c>LlmCompiler.Build</c> once per test run: a unique version and a private <c>NUGET_PACKAGES</c>, because
/// NuGet never re-extracts a version it already holds.
/// </summary>
internal static class PackageFeed
{
    private static readonly Lazy<PackedPackage> Instance = new(Pack, LazyThreadSafetyMode.ExecutionAndPublication);

    public static PackedPackage Get() => Instance.Value;

    public static void CleanUp()
    {
        if (Instance.IsValueCreated) TempDirectory.Delete(Instance.Value.Root);
    }

    private static PackedPackage Pack()
    {
        var root = Path.Combine(Path.GetTempPath(), $"llmc-build-e2e-{Guid.NewGuid():N}");
        var feed = Path.Combine(root, "feed");
        var packages = Path.Combine(root, "packages");
        Directory.CreateDirectory(feed);
        Directory.CreateDirectory(packages);
        var version = $"0.0.0-e2e.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var project = SourceTree.PathOf("src", "LlmCompiler.Build.Tasks", "LlmCompiler.Build.Tasks.csproj");
        var result = ChildProcess.Run(ChildProcess.DotnetHost(), root,
            ["pack", project, "-c", "Release", "-o", feed, $"-p:Version={version}", "-nologo", "-v:q", "-nr:false"],
            timeout: TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            TempDirectory.Delete(root);
            throw new InvalidOperationException($"dotnet pack failed: {result}");
        }
        return new PackedPackage(root, feed, packages, version);
    }
}
