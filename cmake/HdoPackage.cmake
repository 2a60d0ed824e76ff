# The installed hdo package: `cmake --install <tree> --prefix <dir>` puts the SDK (hdo::sdk), its
# libhugo (hdo::hugo) and generated Temporal API (hdo::api) libraries and headers under <dir>, with
# lib/cmake/hdo/hdoConfig.cmake so that an application does
#   find_package(hdo REQUIRED)
#   target_link_libraries(app PRIVATE hdo::sdk)
# The targets' install rules are in src/{hugo,api,sdk}/CMakeLists.txt (export set hdoTargets).
include(CMakePackageConfigHelpers)

set(HDO_INSTALL_CMAKEDIR "lib/cmake/hdo")
install(EXPORT hdoTargets NAMESPACE hdo:: DESTINATION "${HDO_INSTALL_CMAKEDIR}")
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/hdoConfig.cmake.in"
                              "${CMAKE_BINARY_DIR}/hdoConfig.cmake"
                              INSTALL_DESTINATION "${HDO_INSTALL_CMAKEDIR}")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/hdoConfigVersion.cmake"
                                 VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_BINARY_DIR}/hdoConfig.cmake" "${CMAKE_BINARY_DIR}/hdoConfigVersion.cmake"
        DESTINATION "${HDO_INSTALL_CMAKEDIR}")
