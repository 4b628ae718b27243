print("owl")
