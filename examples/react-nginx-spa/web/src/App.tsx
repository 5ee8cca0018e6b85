import { useEffect, useState } from 'react'

type Product = { id: string; name: string; price: number }

export default function App() {
  const [products, setProducts] = useState<Product[]>([])
  useEffect(() => {
    fetch('/api/products').then((r) => r.json()).then(setProducts)
  }, [])
  return (
    <ul>
      {products.map((p) => (
        <li key={p.id}>{p.name}: {p.price}</li>
      ))}
    </ul>
  )
}
