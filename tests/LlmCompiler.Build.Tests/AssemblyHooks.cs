using LlmCompiler.Build.Tests.TestSupport;

namespace LlmCompiler.Build.Tests;

[TestClass]
public static class AssemblyHooks
{
    private static string? s_cache;

    /// <summary>Attempt worktrees of the builds under test go to a private cache folder (inherited by every child build).</summary>
    [AssemblyInitialize]
    public static void UsePrivateCacheFolder(TestContext _)
    {
        s_cache = Path.Combine(Path.GetTempPath(), "llmc-build-test-cache-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(s_cache);
        Environment.SetEnvironmentVariable(LlmCompiler.IO.RepositoryLayout.CacheVariable, s_cache);
    }

    /// <summary>The packed package is shared by every end-to-end class (they run in parallel), so it goes last.</summary>
    [AssemblyCleanup]
    public static void DeletePackedPackage()
    {
        PackageFeed.CleanUp();
        if (s_cache is not null) TempDirectory.Delete(s_cache);
    }
}
