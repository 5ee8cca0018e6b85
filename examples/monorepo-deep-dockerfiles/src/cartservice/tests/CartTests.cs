using Xunit;

public class CartTests
{
    [Fact]
    public void EmptyCartHasNoItems() => Assert.Empty(Array.Empty<string>());
}
